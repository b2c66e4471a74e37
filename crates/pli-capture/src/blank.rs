//! Blank pages: the backs of duplex scans, with scanner streaks, edge shadows, specks or
//! bleed-through from the front, are told apart from pages with even a few words, a
//! signature, a stamp or a photo.
//!
//! The measure is the area of the page's *marks*: connected groups of pixels clearly
//! darker than the paper around them (the paper level is taken tile by tile, so tinted
//! paper and uneven lighting do not count), holding at least a few pixels of strong
//! contrast (so faint bleed-through does not count), and not one of the traces a scanner
//! leaves on a blank sheet: specks, long thin streaks along the feed, shadows and wedges
//! along the edges, punch holes. A page that is mostly dark (a negative, white text on
//! black) is measured inverted. When in doubt the page has marks: a blank page kept costs
//! the operator a click, a page dropped is lost.

use image::GrayImage;

/// The marks of a page, measured on its grey copy at about 100 dpi.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marks {
    /// Share of the page covered by the marks' ink of strong contrast (0.0–1.0): about
    /// 0.01 for a page of text, 0.004 for three short lines, 0 for a blank back.
    pub ratio: f32,
    /// Number of marks.
    pub count: usize,
    /// The page is mostly dark and was measured inverted (white on black).
    pub inverted: bool,
}

/// Share of the page covered by marks (see [`Marks::ratio`]), for a grey copy at about
/// 100 dpi. Compared with the profile's `blank.max_ink_ratio`: at most that, the page is
/// blank.
pub fn ink_ratio(small: &GrayImage) -> f32 {
    marks(small).ratio
}

/// Paper tiles: about 4 mm at 100 dpi.
const TILE: u32 = 16;
/// Marks smaller than this many pixels (at 100 dpi, about 0.25 mm²) are specks.
const MIN_AREA: u32 = 4;
/// A mark needs this many pixels of strong contrast: bleed-through has none.
const MIN_STRONG: u32 = 2;

/// Whether a page is mostly dark (a negative, white text on black): its median grey
/// level is low. Such a page is measured, and read by OCR, inverted.
pub fn is_mostly_dark(img: &GrayImage) -> bool {
    median(img) < 100
}

/// Measures the marks of a page from its grey copy at about 100 dpi.
pub fn marks(small: &GrayImage) -> Marks {
    let (w, h) = small.dimensions();
    if w < 8 || h < 8 {
        return Marks { ratio: 0.0, count: 0, inverted: false };
    }
    let inverted = is_mostly_dark(small);
    let px: Vec<u8> = if inverted { small.as_raw().iter().map(|v| 255 - v).collect() } else { small.as_raw().clone() };
    let paper = paper_levels(&px, w, h);
    let (tw, _) = (w.div_ceil(TILE), h.div_ceil(TILE));
    // Contrast of each pixel against the paper around it: 0 weak, 1 ink, 2 strong ink.
    let mut class = vec![0u8; px.len()];
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) as usize;
            let bg = paper[((y / TILE) * tw + x / TILE) as usize] as i32;
            let contrast = bg - px[i] as i32;
            // Ink is well below the paper: bleed-through is 10–40 levels darker at most,
            // print and pen 100 and more; relative, so that grey paper works too.
            class[i] = if contrast >= (bg / 3).max(30) {
                2
            } else if contrast >= (bg / 6).max(20) {
                1
            } else {
                0
            };
        }
    }
    let mut strong = 0u64;
    let mut count = 0usize;
    let mut stack = Vec::new();
    let mut members = Vec::new();
    for start in 0..class.len() {
        if class[start] == 0 {
            continue;
        }
        // Flood fill one group of ink (8-connected), clearing it as it goes.
        let mut c = Component::new();
        members.clear();
        stack.push(start as u32);
        c.add(start as u32, class[start], w);
        class[start] = 0;
        while let Some(i) = stack.pop() {
            members.push(i);
            let (x, y) = (i % w, i / w);
            for dy in -1i32..=1 {
                for dx in -1i32..=1 {
                    let (nx, ny) = (x as i32 + dx, y as i32 + dy);
                    if nx < 0 || ny < 0 || nx >= w as i32 || ny >= h as i32 {
                        continue;
                    }
                    let j = (ny as u32 * w + nx as u32) as usize;
                    if class[j] != 0 {
                        c.add(j as u32, class[j], w);
                        class[j] = 0;
                        stack.push(j as u32);
                    }
                }
            }
        }
        if c.is_mark(&members, w, h) {
            strong += c.strong as u64;
            count += 1;
        }
    }
    Marks { ratio: strong as f32 / (w as f32 * h as f32), count, inverted }
}

/// One connected group of ink pixels.
struct Component {
    area: u32,
    strong: u32,
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

impl Component {
    fn new() -> Self {
        Component { area: 0, strong: 0, x0: u32::MAX, y0: u32::MAX, x1: 0, y1: 0 }
    }

    fn add(&mut self, i: u32, class: u8, w: u32) {
        let (x, y) = (i % w, i / w);
        self.area += 1;
        self.strong += (class == 2) as u32;
        self.x0 = self.x0.min(x);
        self.y0 = self.y0.min(y);
        self.x1 = self.x1.max(x);
        self.y1 = self.y1.max(y);
    }

    /// Whether this group is a mark on the sheet rather than a trace of the scanner.
    fn is_mark(&self, members: &[u32], w: u32, h: u32) -> bool {
        if self.area < MIN_AREA || self.strong < MIN_STRONG {
            return false; // a speck, or faint show-through
        }
        let (bw, bh) = (self.x1 - self.x0 + 1, self.y1 - self.y0 + 1);
        // A scanner streak: a line of dirt on the glass, along the feed (top to bottom).
        if bw <= 3 && bh >= 12 * bw && bh >= h / 8 {
            return false;
        }
        // The margins: shadows, the scanner's backing, the wedges of a skewed sheet, the
        // marks a scanner's calibration prints in the corners. Groups wholly within a band
        // along the edges, or touching an edge and (almost) wholly within it.
        let (band_x, band_y) = ((w * 6 / 100).max(2), (h * 6 / 100).max(2));
        if self.x1 < band_x || self.x0 >= w - band_x || self.y1 < band_y || self.y0 >= h - band_y {
            return false;
        }
        let in_band = |i: &u32| {
            let (x, y) = (i % w, i / w);
            x < band_x || x >= w - band_x || y < band_y || y >= h - band_y
        };
        let touches_edge = self.x0 == 0 || self.y0 == 0 || self.x1 == w - 1 || self.y1 == h - 1;
        if touches_edge {
            let inside = members.iter().filter(|i| in_band(i)).count() as u32;
            if inside * 10 >= self.area * 9 {
                return false;
            }
        }
        // Punch holes: filled discs 4–9 mm across near an edge (at 100 dpi, 16–36 px).
        let (hole_x, hole_y) = (w * 12 / 100, h * 12 / 100);
        let near_edge = self.x1 < hole_x || self.x0 >= w - hole_x || self.y1 < hole_y || self.y0 >= h - hole_y;
        let round = bw * 10 >= bh * 7 && bh * 10 >= bw * 7;
        let filled = self.area * 100 >= bw * bh * 55;
        if near_edge && round && filled && (14..=40).contains(&bw) {
            return false;
        }
        true
    }
}

/// Median grey level, from about a million pixels at most.
fn median(img: &GrayImage) -> u8 {
    let mut histogram = [0u32; 256];
    let step = (img.as_raw().len() / 1_000_000).max(1);
    for p in img.as_raw().iter().step_by(step) {
        histogram[*p as usize] += 1;
    }
    let half = histogram.iter().sum::<u32>() / 2;
    let mut seen = 0;
    for (value, count) in histogram.iter().enumerate() {
        seen += count;
        if seen > half {
            return value as u8;
        }
    }
    255
}

/// The paper's level around each tile: the tile's 90th percentile (paper dominates any
/// tile of a page, even of text), then the brightest of the tiles within two of it, so
/// that a tile filled by a dark mark still compares with the paper beside it.
fn paper_levels(px: &[u8], w: u32, h: u32) -> Vec<u8> {
    let (tw, th) = (w.div_ceil(TILE), h.div_ceil(TILE));
    let mut tiles = vec![0u8; (tw * th) as usize];
    let mut values = Vec::with_capacity((TILE * TILE) as usize);
    for ty in 0..th {
        for tx in 0..tw {
            values.clear();
            for y in ty * TILE..((ty + 1) * TILE).min(h) {
                let row = (y * w) as usize;
                values.extend_from_slice(&px[row + (tx * TILE) as usize..row + ((tx + 1) * TILE).min(w) as usize]);
            }
            let k = (values.len() * 9 / 10).min(values.len() - 1);
            tiles[(ty * tw + tx) as usize] = *values.select_nth_unstable(k).1;
        }
    }
    let r = 2i32;
    let mut out = vec![0u8; tiles.len()];
    for ty in 0..th as i32 {
        for tx in 0..tw as i32 {
            let mut m = 0u8;
            for ny in (ty - r).max(0)..=(ty + r).min(th as i32 - 1) {
                for nx in (tx - r).max(0)..=(tx + r).min(tw as i32 - 1) {
                    m = m.max(tiles[(ny as u32 * tw + nx as u32) as usize]);
                }
            }
            out[(ty as u32 * tw + tx as u32) as usize] = m;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// A4 at 100 dpi.
    fn paper(level: u8) -> GrayImage {
        GrayImage::from_pixel(827, 1169, Luma([level]))
    }

    fn fill(img: &mut GrayImage, x: u32, y: u32, w: u32, h: u32, level: u8) {
        for yy in y..y + h {
            for xx in x..x + w {
                img.put_pixel(xx, yy, Luma([level]));
            }
        }
    }

    /// A short line of "words": letters 5 px wide, 8 px high, strokes of 1–2 px.
    fn words(img: &mut GrayImage, x: u32, y: u32, letters: u32, level: u8) {
        for i in 0..letters {
            let lx = x + i * 7 + (i / 6) * 5;
            fill(img, lx, y, 1, 8, level);
            fill(img, lx, y, 4, 1, level);
            fill(img, lx + 3, y + 4, 1, 4, level);
        }
    }

    #[test]
    fn white_paper_with_specks_and_bleed_through_has_no_marks() {
        let mut img = paper(238);
        for i in 0..40 {
            img.put_pixel(100 + i * 15, 200 + i * 20, Luma([90])); // specks
        }
        words(&mut img, 100, 300, 60, 215); // bleed-through: a faint line of text
        words(&mut img, 100, 330, 60, 205);
        let m = marks(&img);
        assert_eq!((m.count, m.ratio), (0, 0.0), "{m:?}");
    }

    #[test]
    fn three_short_lines_of_small_text_are_marks() {
        let mut img = paper(235);
        for line in 0..3 {
            words(&mut img, 120, 90 + line * 14, 25, 60);
        }
        let m = marks(&img);
        assert!(m.count >= 60 && m.ratio > 0.0005, "{m:?}");
    }

    #[test]
    fn one_handwritten_word_is_a_mark() {
        let mut img = paper(245);
        // "OK" in ball-point: two loops of a 1 px stroke, 12 px high.
        for t in 0..60 {
            let a = t as f32 / 60.0 * std::f32::consts::TAU;
            img.put_pixel((400.0 + 5.0 * a.cos()) as u32, (600.0 + 6.0 * a.sin()) as u32, Luma([70]));
        }
        fill(&mut img, 412, 594, 1, 13, 70);
        assert!(ink_ratio(&img) > 0.0, "{:?}", marks(&img));
    }

    #[test]
    fn scanner_streaks_edge_shadows_and_punch_holes_are_not_marks() {
        let mut img = paper(240);
        fill(&mut img, 300, 0, 1, 1169, 150); // a streak along the feed, top to bottom
        fill(&mut img, 520, 100, 2, 700, 120); // and a shorter, wider one
        fill(&mut img, 0, 0, 30, 1169, 20); // the scanner's dark backing along the left edge
        fill(&mut img, 0, 1140, 827, 29, 90); // a shadow along the bottom
        for (cx, cy) in [(60, 400), (60, 770)] {
            // punch holes, 6 mm across
            for y in cy - 12..=cy + 12 {
                for x in cx - 12..=cx + 12 {
                    if (x - cx) * (x - cx) + (y - cy) * (y - cy) <= 144 {
                        img.put_pixel(x as u32, y as u32, Luma([25]));
                    }
                }
            }
        }
        words(&mut img, 12, 10, 3, 60); // a scanner's calibration labels in the corners
        words(&mut img, 790, 1150, 3, 60);
        let m = marks(&img);
        assert_eq!(m.count, 0, "{m:?}");
    }

    #[test]
    fn a_photo_bleeding_off_the_page_and_a_stamp_are_marks() {
        let mut photo = paper(30);
        for y in 0..1169 {
            for x in 0..827 {
                if (x / 40 + y / 55) % 3 == 0 {
                    photo.put_pixel(x, y, Luma([200]));
                }
            }
        }
        assert!(ink_ratio(&photo) > 0.05, "{:?}", marks(&photo));
        let mut stamp = paper(242);
        for t in 0..400 {
            // a round stamp, 3 cm across, in red (grey ~ 110)
            let a = t as f32 / 400.0 * std::f32::consts::TAU;
            for r in [58.0, 59.0, 60.0] {
                stamp.put_pixel((500.0 + r * a.cos()) as u32, (900.0 + r * a.sin()) as u32, Luma([110]));
            }
        }
        assert!(ink_ratio(&stamp) > 0.0005, "{:?}", marks(&stamp));
    }

    #[test]
    fn white_text_on_black_is_measured_inverted() {
        let mut img = paper(15);
        for line in 0..10 {
            words(&mut img, 120, 200 + line * 14, 40, 230);
        }
        let m = marks(&img);
        assert!(m.inverted && m.ratio > 0.001, "{m:?}");
        assert!(!marks(&paper(240)).inverted);
    }
}
