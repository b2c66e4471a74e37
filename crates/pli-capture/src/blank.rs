//! Blank pages: the backs of duplex scans, with faint noise, specks or bleed-through
//! from the front, are told apart from pages with even a short line of writing.

use image::GrayImage;

/// Share of the page (margins excluded) covered by ink, measured on a downscaled grey
/// copy: averaging has already diluted isolated specks, and only pixels clearly darker
/// than the paper count, so light bleed-through does not.
pub fn ink_ratio(small: &GrayImage) -> f32 {
    let (w, h) = small.dimensions();
    // Scanner edges, shadows and punch holes live in the margins.
    let (mx, my) = (w / 20, h / 25);
    if w <= 2 * mx || h <= 2 * my {
        return 0.0;
    }
    let mut histogram = [0u32; 256];
    for y in my..h - my {
        for x in mx..w - mx {
            histogram[small.get_pixel(x, y).0[0] as usize] += 1;
        }
    }
    let total: u32 = histogram.iter().sum();
    let paper = percentile(&histogram, total, 0.5);
    // Ink is markedly darker than the paper: bleed-through is 10–40 levels darker.
    let ink_below = paper.saturating_sub(paper / 3 + 20);
    let ink: u32 = histogram[..ink_below as usize].iter().sum();
    ink as f32 / total as f32
}

fn percentile(histogram: &[u32; 256], total: u32, share: f32) -> u8 {
    let target = (total as f32 * share) as u32;
    let mut seen = 0;
    for (value, count) in histogram.iter().enumerate() {
        seen += count;
        if seen >= target {
            return value as u8;
        }
    }
    255
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn white_paper_with_specks_and_bleed_through_has_almost_no_ink() {
        let mut img = GrayImage::from_pixel(800, 1100, Luma([238]));
        for i in 0..40 {
            img.put_pixel(100 + i * 15, 200 + i * 20, Luma([90])); // specks
        }
        for y in 300..320 {
            for x in 100..700 {
                img.put_pixel(x, y, Luma([215])); // bleed-through: a faint line
            }
        }
        assert!(ink_ratio(&img) < 0.0001, "{}", ink_ratio(&img));
    }

    #[test]
    fn one_short_line_of_text_is_ink() {
        let mut img = GrayImage::from_pixel(800, 1100, Luma([250]));
        for y in 500..510 {
            for x in (100..260).step_by(3) {
                img.put_pixel(x, y, Luma([40]));
            }
        }
        assert!(ink_ratio(&img) > 0.0005, "{}", ink_ratio(&img));
    }

    #[test]
    fn ink_in_the_margins_does_not_count() {
        let mut img = GrayImage::from_pixel(800, 1100, Luma([250]));
        for y in 0..1100 {
            for x in 0..30 {
                img.put_pixel(x, y, Luma([0])); // scanner edge shadow
            }
        }
        assert_eq!(ink_ratio(&img), 0.0);
    }
}
