//! Small, fast image operations shared by separator detection, blank detection and
//! thumbnails: they run on every page, so they avoid generic resampling.

use image::GrayImage;

/// Averages `factor`×`factor` blocks: a grey copy `factor` times smaller. Averaging (not
/// sampling) keeps thin barcode bars and dilutes isolated specks.
pub fn downscale_box(src: &GrayImage, factor: u32) -> GrayImage {
    let factor = factor.max(1);
    let (w, h) = (src.width() / factor, src.height() / factor);
    if factor == 1 || w == 0 || h == 0 {
        return src.clone();
    }
    let stride = src.width() as usize;
    let raw = src.as_raw();
    let area = factor * factor;
    let mut out = Vec::with_capacity((w * h) as usize);
    let mut sums = vec![0u32; w as usize];
    for by in 0..h {
        sums.iter_mut().for_each(|s| *s = 0);
        for dy in 0..factor {
            let row = &raw[((by * factor + dy) as usize) * stride..][..(w * factor) as usize];
            for (sum, block) in sums.iter_mut().zip(row.chunks_exact(factor as usize)) {
                *sum += block.iter().map(|&p| p as u32).sum::<u32>();
            }
        }
        out.extend(sums.iter().map(|&s| (s / area) as u8));
    }
    GrayImage::from_raw(w, h, out).expect("buffer has w*h pixels")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_blocks_and_drops_the_remainder() {
        let img = GrayImage::from_fn(7, 4, |x, _| image::Luma([if x % 2 == 0 { 0 } else { 254 }]));
        let small = downscale_box(&img, 2);
        assert_eq!(small.dimensions(), (3, 2));
        assert!(small.pixels().all(|p| p.0[0] == 127));
    }
}
