//! What paper and a scanner do to a page: tinted or coloured paper, faint ink, sensor
//! noise, a sheet fed askew, JPEG artefacts, a lower resolution. Pages are drawn black on
//! white at 300 dpi, then put through a [`Scan`].

use crate::Rng;
use image::{GrayImage, Luma};
use serde::{Deserialize, Serialize};

/// The conditions of one scanned page.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scan {
    /// Grey level of the paper (white paper about 245; yellow, pink or grey paper 170–215).
    pub paper: u8,
    /// Grey level of the ink (black toner about 15; a faint or coloured print 90–130).
    pub ink: u8,
    /// Sensor noise amplitude on every pixel (grey levels).
    pub noise: u8,
    /// Dark specks (dust) per page.
    pub specks: usize,
    /// Degrees the sheet was turned when fed (counter-clockwise positive).
    pub skew: f32,
    /// Quality of the JPEG the scanner wrote (100: none).
    pub jpeg_quality: u8,
    /// Resolution of the scan.
    pub dpi: u32,
}

impl Default for Scan {
    fn default() -> Self {
        Scan { paper: 246, ink: 15, noise: 6, specks: 4, skew: 0.0, jpeg_quality: 100, dpi: 300 }
    }
}

/// One hard condition, alone, for recall figures per condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// White paper, black ink, sheet fed straight.
    Clean,
    /// Coloured or grey paper.
    Tinted,
    /// Faint ink on tinted paper.
    LowContrast,
    /// Strong sensor noise and dust.
    Noisy,
    /// Fed askew, 5 to 15 degrees.
    Skewed,
    /// Heavy JPEG compression.
    Jpeg,
    /// Scanned at 200 dpi.
    Dpi200,
    /// All of them at once, each drawn at random.
    Mixed,
}

impl Condition {
    pub const ALL: [Condition; 8] = [
        Condition::Clean,
        Condition::Tinted,
        Condition::LowContrast,
        Condition::Noisy,
        Condition::Skewed,
        Condition::Jpeg,
        Condition::Dpi200,
        Condition::Mixed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Condition::Clean => "clean",
            Condition::Tinted => "tinted",
            Condition::LowContrast => "low-contrast",
            Condition::Noisy => "noisy",
            Condition::Skewed => "skewed",
            Condition::Jpeg => "jpeg",
            Condition::Dpi200 => "200dpi",
            Condition::Mixed => "mixed",
        }
    }

    /// Draws a scan under this condition; every other setting is an ordinary scan's,
    /// with a small random skew (sheets are never fed perfectly straight).
    pub fn draw(self, rng: &mut Rng) -> Scan {
        let mut s = Scan {
            paper: 236 + rng.below(16) as u8,
            ink: 10 + rng.below(20) as u8,
            noise: 3 + rng.below(6) as u8,
            specks: 4,
            skew: rng.uniform(-1.5, 1.5),
            jpeg_quality: 75 + rng.below(20) as u8,
            dpi: 300,
        };
        let tinted = |rng: &mut Rng| 165 + rng.below(50) as u8;
        let skewed = |rng: &mut Rng| {
            let a = rng.uniform(5.0, 15.0);
            if rng.chance(0.5) { a } else { -a }
        };
        match self {
            Condition::Clean => {}
            Condition::Tinted => s.paper = tinted(rng),
            Condition::LowContrast => {
                s.paper = 190 + rng.below(40) as u8;
                s.ink = 90 + rng.below(40) as u8;
            }
            Condition::Noisy => {
                s.noise = 18 + rng.below(18) as u8;
                s.specks = 300 + rng.below(700) as usize;
            }
            Condition::Skewed => s.skew = skewed(rng),
            Condition::Jpeg => s.jpeg_quality = 15 + rng.below(25) as u8,
            Condition::Dpi200 => s.dpi = 200,
            Condition::Mixed => {
                if rng.chance(0.5) {
                    s.paper = tinted(rng);
                }
                if rng.chance(0.3) {
                    s.ink = 60 + rng.below(40) as u8;
                }
                if rng.chance(0.5) {
                    s.noise = 12 + rng.below(18) as u8;
                    s.specks = 50 + rng.below(300) as usize;
                }
                s.skew = rng.uniform(-15.0, 15.0);
                s.jpeg_quality = 25 + rng.below(60) as u8;
                if rng.chance(0.4) {
                    s.dpi = 200;
                }
            }
        }
        s
    }
}

impl Scan {
    /// Scans a page drawn black on white at 300 dpi (0 = ink, 255 = paper): paper and ink
    /// levels, skew, resolution, noise and specks, then the JPEG round trip.
    pub fn apply(&self, drawn: &GrayImage, rng: &mut Rng) -> GrayImage {
        let mut img = drawn.clone();
        levels(&mut img, self.paper, self.ink);
        if self.skew.abs() > 0.01 {
            img = crate::render::skew(&img, self.skew, self.paper);
        }
        if self.dpi != 300 {
            let (w, h) = (img.width() * self.dpi / 300, img.height() * self.dpi / 300);
            img = image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle);
        }
        crate::render::noise(&mut img, rng, self.noise, self.specks);
        if self.jpeg_quality < 100 {
            img = jpeg_round_trip(&img, self.jpeg_quality, self.dpi);
        }
        img
    }
}

/// Maps a page drawn black on white to `ink` on `paper`.
pub fn levels(img: &mut GrayImage, paper: u8, ink: u8) {
    let (paper, ink) = (paper as f32, ink as f32);
    for p in img.iter_mut() {
        *p = (ink + (paper - ink) * (*p as f32 / 255.0)).round() as u8;
    }
}

/// Encodes and decodes a page as the scanner's JPEG would.
pub fn jpeg_round_trip(img: &GrayImage, quality: u8, dpi: u32) -> GrayImage {
    let bytes = crate::jpeg(img, quality, dpi).expect("encoding a grey image in memory");
    image::load_from_memory(&bytes).expect("decoding what was just encoded").to_luma8()
}

/// A white canvas the size of an A4 page at 300 dpi, to draw black on.
pub fn white_page() -> GrayImage {
    GrayImage::from_pixel(crate::render::PAGE_W, crate::render::PAGE_H, Luma([255]))
}
