use super::*;

fn small() -> BatchSpec {
    BatchSpec { letters: 3, lines_per_page: 8, blank_backs: 0.5, ..BatchSpec::default() }
}

#[test]
fn the_same_seed_gives_the_same_batch() {
    let mut a = Vec::new();
    let mut b = Vec::new();
    let ta = generate(&small(), |_, img| {
        a.push(img);
        Ok(())
    })
    .unwrap();
    let tb = generate(&small(), |_, img| {
        b.push(img);
        Ok(())
    })
    .unwrap();
    assert_eq!(ta.pages, tb.pages);
    assert!(a == b);
}

#[test]
fn truth_accounts_for_every_page() {
    let mut count = 0;
    let truth = generate(&BatchSpec { letters: 5, lines_per_page: 6, ..small() }, |i, _| {
        assert_eq!(i, count);
        count += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(truth.pages.len(), count);
    for (i, p) in truth.pages.iter().enumerate() {
        assert_eq!(p.index, i);
    }
    let separators = truth.pages.iter().filter(|p| matches!(p.role, PageRole::Separator { .. })).count();
    assert_eq!(separators, 5);
    let content: usize = truth.letters.iter().map(|l| l.pages.len()).sum();
    assert_eq!(content, truth.content_pages().len());
    for l in &truth.letters {
        assert!(l.text.contains(&l.subject) && l.text.contains(&l.reference), "{}", l.text);
    }
}

#[test]
fn every_symbology_decodes_back_to_its_payload() {
    let fonts = render::Fonts::load().unwrap();
    for (symbology, payload) in [
        (Symbology::Qr, "PLI-SEP:DRH"),
        (Symbology::Code128, "PLI-SEP:DAF"),
        (Symbology::Code39, "PLI-SEP/DOS"),
        (Symbology::DataMatrix, "PLI-SEP"),
    ] {
        let img = render::separator_page(&fonts, payload, symbology, "SÉPARATEUR").unwrap();
        let (w, h) = img.dimensions();
        let found = rxing::helpers::detect_in_luma(img.into_raw(), w, h, None).unwrap();
        assert_eq!(found.getText(), payload, "{symbology:?}");
    }
}

#[test]
fn a_blank_back_is_mostly_paper() {
    let spec = BatchSpec { letters: 1, lines_per_page: 6, blank_backs: 1.0, ..BatchSpec::default() };
    let mut blanks = Vec::new();
    let truth = generate(&spec, |i, img| {
        blanks.push((i, img));
        Ok(())
    })
    .unwrap();
    let blank_index = truth.pages.iter().find(|p| p.role == PageRole::Blank).unwrap().index;
    let img = &blanks[blank_index].1;
    let dark = img.pixels().filter(|p| p.0[0] < 150).count();
    assert!(dark < 200, "{dark} dark pixels on a blank back");
}

#[test]
fn written_pdf_and_tiff_have_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let spec = BatchSpec { letters: 2, lines_per_page: 5, ..small() };
    let pdf = dir.path().join("lot.pdf");
    let truth = write_batch(&spec, Format::Pdf, &pdf).unwrap();
    let info = std::process::Command::new("pdfinfo").arg(&pdf).output();
    if let Ok(info) = info {
        let info = String::from_utf8_lossy(&info.stdout);
        let pages: usize = info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
        assert_eq!(pages, truth.pages.len());
    }
    assert!(dir.path().join("lot.truth.json").exists());
    let tiff = dir.path().join("lot.tiff");
    let truth = write_batch(&spec, Format::Tiff, &tiff).unwrap();
    let mut decoder = tiff::decoder::Decoder::new(std::fs::File::open(&tiff).unwrap()).unwrap();
    let mut n = 1;
    while decoder.more_images() {
        decoder.next_image().unwrap();
        n += 1;
    }
    assert_eq!(n, truth.pages.len());
}

#[test]
fn cer_counts_edits_over_expected_length() {
    assert_eq!(cer("abcd", "abcd"), 0.0);
    assert_eq!(cer("abcd", "abxd"), 0.25);
    assert_eq!(cer("a  b\nc", "a b c"), 0.0);
}
