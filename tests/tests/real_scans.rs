//! Real scans from other projects' test suites (`../shared/peer-samples/real-scans/`,
//! see its `manifest.json`): every page with content reaches a courrier, real blank
//! backs are dropped, the expected phrases are in the text, and Pli's text is at least
//! as good as bare `tesseract`'s on the same page, measured in the same run. Where the
//! folder is absent the test prints a notice and checks nothing.

use pli_capture::pipeline::{BatchReport, Capture};
use pli_capture::profile::Profile;
use pli_core::capture::Actor;
use pli_store::Store;
use pli_testkit::real_scans::{Entry, Manifest, cer, page_images, samples_dir, tesseract};
use std::path::Path;

/// Pli's default profile reading the file's language, with Patch-T sheets as separators
/// (NAPS2's samples are Patch-T sheets).
fn profile_for(entry: &Entry) -> Profile {
    let toml = format!(
        "[ocr]\nlanguages = \"{}\"\n[separator]\nsymbologies = [\"qr\", \"code128\", \"code39\", \"datamatrix\"]\n\
         precedes_first_letter = true\n[[separator.patterns]]\nregex = 'PATCHT'\n",
        entry.languages()
    );
    Profile::from_toml(&toml, "real-scans.toml").unwrap()
}

fn ingest(entry: &Entry, file: &Path, data: &Path) -> Result<BatchReport, String> {
    let mut store = Store::open(data).unwrap();
    let capture = Capture::new(profile_for(entry), 2);
    let actor = Actor { login: "test".into(), workstation: "ci".into() };
    capture.ingest(&mut store, data, file, &actor, &|_| {}).map_err(|e| e.to_string())
}

/// What is wrong with Pli's reading of one file (empty: nothing).
fn check(dir: &Path, entry: &Entry) -> Vec<String> {
    let file = dir.join(&entry.file);
    let data = tempfile::tempdir().unwrap();
    let report = match ingest(entry, &file, data.path()) {
        Ok(r) => r,
        Err(e) => return vec![format!("{}: {e}", entry.file)],
    };
    let mut failures = Vec::new();
    let mut fail = |what: String| failures.push(format!("{}: {what}", entry.file));
    let in_courrier = |i: usize| report.courriers.iter().any(|c| c.pages.contains(&i));
    for fact in &entry.expect.page_facts {
        let i = fact.page - 1;
        if fact.blank && !report.blank_pages.contains(&i) {
            fail(format!("page {} is a blank back, kept", fact.page));
        }
        // A separator sheet that is not read becomes a one-page courrier: reading
        // separators is checked elsewhere, here only that no page is lost as blank.
        let separator_read = entry.is_separator(fact.page) && report.separator_pages.contains(&i);
        if !(fact.blank || in_courrier(i) || separator_read) {
            fail(format!(
                "page {} has content and reached no courrier (blank pages {:?})",
                fact.page, report.blank_pages
            ));
        }
    }
    let has_separator = entry.expect.separators.iter().any(|s| s.pli_separator);
    if !has_separator {
        let letters: Vec<Vec<usize>> =
            entry.expect.expected_letters.iter().map(|l| l.pages.iter().map(|p| p - 1).collect()).collect();
        let got: Vec<Vec<usize>> = report.courriers.iter().map(|c| c.pages.clone()).collect();
        if got != letters {
            fail(format!("courriers {got:?}, expected {letters:?} (0-based pages)"));
        }
    }
    let text: String = report.courriers.iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join("\n");
    for phrase in &entry.expect.text_contains {
        if !text.contains(phrase.as_str()) {
            fail(format!("« {phrase} » not in the text"));
        }
    }
    if let Some(truth_file) = entry.ground_truth() {
        let truth = std::fs::read_to_string(dir.join(truth_file)).unwrap();
        let work = tempfile::tempdir().unwrap();
        let bare: String = page_images(&file, work.path())
            .unwrap()
            .iter()
            .map(|p| tesseract(p, entry.languages()).unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        let (pli, bare) = (cer(&truth, &text), cer(&truth, &bare));
        eprintln!("{}: CER Pli {pli:.4}, bare tesseract {bare:.4}", entry.file);
        if pli > bare * 1.1 + 0.01 {
            fail(format!("CER {pli:.4}, bare tesseract {bare:.4} on the same page"));
        }
    }
    for (fact, c) in entry.expect.page_facts.iter().filter_map(|f| Some((f, f.content_rotated_cw?))) {
        let i = fact.page - 1;
        let turned = report.courriers.iter().find_map(|k| Some(k.rotations[k.pages.iter().position(|p| *p == i)?]));
        if let Some(turned) = turned
            && turned != (360 - c) % 360
        {
            fail(format!("page {} turned {turned}°, needs {}°", fact.page, (360 - c) % 360));
        }
    }
    failures
}

#[test]
fn real_scans_lose_no_page_and_read_at_least_as_well_as_bare_tesseract() {
    let Some(dir) = samples_dir() else { return };
    let manifest = Manifest::load(&dir).unwrap();
    let failures: Vec<String> = manifest.inputs().flat_map(|entry| check(&dir, entry)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Word boxes `(text, left, top, right, bottom)` in pixels at `dpi` from `pdftotext -bbox`.
fn pdf_words(pdf: &Path, dpi: f64) -> Vec<(String, f64, f64, f64, f64)> {
    let out = std::process::Command::new("pdftotext").arg("-bbox").arg(pdf).arg("-").output().unwrap();
    let html = String::from_utf8_lossy(&out.stdout);
    let attr = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    html.split("<word ")
        .skip(1)
        .map(|w| {
            let (tag, rest) = w.split_once('>').unwrap();
            let text = rest.split('<').next().unwrap().to_string();
            let px = |v: f64| v * dpi / 72.0;
            (text, px(attr(tag, "xMin")), px(attr(tag, "yMin")), px(attr(tag, "xMax")), px(attr(tag, "yMax")))
        })
        .collect()
}

#[test]
fn a_low_resolution_page_keeps_its_text_layer_on_the_words() {
    // phototest.tif is 200 dpi: Pli reads it enlarged to 300 dpi and scales the word
    // boxes back. Bare tesseract's boxes on the page as it is are the reference.
    let Some(dir) = samples_dir() else { return };
    let manifest = Manifest::load(&dir).unwrap();
    let entry = manifest.inputs().find(|e| e.file == "tesseract/phototest.tif").unwrap();
    let file = dir.join(&entry.file);
    let data = tempfile::tempdir().unwrap();
    let report = ingest(entry, &file, data.path()).unwrap();
    let ours = pdf_words(&report.courriers[0].pdf, 200.0);
    let tsv = std::process::Command::new("tesseract")
        .arg(&file)
        .args(["stdout", "-l", "eng", "--psm", "3", "tsv"])
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .unwrap();
    let mut compared = 0;
    for line in String::from_utf8_lossy(&tsv.stdout).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 12 || f[0] != "5" || f[11].chars().count() < 4 {
            continue;
        }
        let n = |i: usize| f[i].parse::<f64>().unwrap();
        let (left, top, right, bottom) = (n(6), n(7), n(6) + n(8), n(7) + n(9));
        // The word's first occurrence on both sides (words repeat on this page).
        let Some(w) = ours.iter().find(|w| w.0 == f[11] && (w.2 - top).abs() < 30.0 && (w.1 - left).abs() < 30.0)
        else {
            continue;
        };
        for (a, b, what) in [(w.1, left, "left"), (w.3, right, "right"), (w.2, top, "top"), (w.4, bottom, "bottom")] {
            // The invisible text's box is the font's, a little taller than the ink.
            assert!((a - b).abs() < 12.0, "« {} »: {what} at {a:.0} px, tesseract {b:.0} px", w.0);
        }
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} words compared: {ours:?}");
}
