//! `pli batch dropped` and `pli batch restore`: the blank backs of a generated batch are
//! listed with their kept images, one is put back where it was scanned, and refusals
//! say why.

use pli_testkit::{BatchSpec, Format, write_batch};

mod common;
use common::{ok, pli};

#[test]
fn dropped_pages_are_listed_and_one_is_put_back_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let users = dir.path().join("utilisateurs.csv");
    std::fs::write(&users, "identifiant;nom;roles\nop;Opératrice;opérateur\nag;Agent;agent:DRH\n").unwrap();
    let directions = dir.path().join("directions.csv");
    std::fs::write(&directions, "code;nom;parent\nDRH;Ressources humaines;\n").unwrap();
    ok(
        &data,
        &["org", "import", "--directions", directions.to_str().unwrap(), "--users", users.to_str().unwrap(), "--json"],
    );

    let batch = dir.path().join("lot.pdf");
    let spec = BatchSpec {
        seed: 9,
        letters: 2,
        pages_per_letter: (1, 1),
        lines_per_page: 4,
        blank_backs: 1.0,
        ..BatchSpec::default()
    };
    let truth = write_batch(&spec, Format::Pdf, &batch).unwrap();
    let ingested = ok(&data, &["ingest", "--json", batch.to_str().unwrap()]);
    let blanks: Vec<usize> =
        truth.pages.iter().filter(|p| p.role == pli_testkit::PageRole::Blank).map(|p| p.index).collect();
    assert!(blanks.len() >= 2, "blank backs: {blanks:?}");

    let listed = ok(&data, &["batch", "dropped", "1", "--as", "op", "--json"]);
    let listed_pages: Vec<usize> = listed.iter().map(|p| p["source_index"].as_u64().unwrap() as usize).collect();
    assert_eq!(listed_pages, blanks);
    for p in &listed {
        assert!(
            data.join(p["pdf"].as_str().unwrap()).is_file() && data.join(p["thumbnail"].as_str().unwrap()).is_file()
        );
    }
    let human = String::from_utf8_lossy(&pli(&data, &["batch", "dropped", "1", "--as", "op"]).stdout).into_owned();
    assert!(human.contains(&format!("page {}", blanks[0] + 1)), "{human}");

    // The blank back of a letter's page goes back after that page (pages counted from 1).
    let back = *blanks.iter().find(|&&b| b > 0 && truth.content_pages().contains(&(b - 1))).unwrap();
    let holder = ingested.iter().find(|c| c["pages"].as_array().unwrap().iter().any(|p| p == back - 1)).unwrap();
    let page = (back + 1).to_string();
    let restored = &ok(&data, &["batch", "restore", "1", &page, "--as", "op", "--json"])[0];
    assert_eq!((restored["courrier"].as_i64(), restored["position"].as_u64()), (holder["courrier"].as_i64(), Some(1)));
    let left = ok(&data, &["batch", "dropped", "1", "--as", "op", "--json"]);
    assert_eq!(left.len(), blanks.len() - 1);

    let refused = |args: &[&str]| {
        let out = pli(&data, args);
        assert!(!out.status.success(), "pli {args:?} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(refused(&["batch", "restore", "1", &page, "--as", "op"]).contains("n'est pas une page écartée"));
    let other = (blanks.iter().find(|&&b| b != back).unwrap() + 1).to_string();
    assert!(refused(&["batch", "restore", "1", &other, "--as", "ag"]).contains("service courrier"));
    assert!(refused(&["batch", "dropped", "1", "--as", "ag"]).contains("service courrier"));
    assert!(refused(&["batch", "restore", "1", "0", "--as", "op"]).contains("à partir de 1"));
}
