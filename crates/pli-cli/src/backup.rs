//! `pli backup`, `pli restore`, `pli check`, `pli history verify` and `pli migrate`: printing over
//! `pli_store::backup`, `integrity`, `migrate` and the history's anchors.

use anyhow::Result;
use pli_store::anchor::{NamedAnchor, anchors_in};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

pub fn backup(place: &crate::Place, dest: &Path, json: bool) -> Result<ExitCode> {
    if place.database.is_some() {
        anyhow::bail!(
            "registre sur PostgreSQL : sauvegardez la base avec pg_dump (pg_dump -Fc … > pli.dump) et le dossier \
             des documents « {} » avec vos outils habituels ; pli backup copie le registre d'un poste (SQLite)",
            place.data.display()
        );
    }
    let manifest = pli_store::backup::backup(&place.data, dest)?;
    if json {
        print_json(&serde_json::json!({
            "dest": dest, "files": manifest.files.len(), "courriers": manifest.courriers, "history": manifest.history,
        }))?;
    } else {
        let bytes: u64 = manifest.files.iter().map(|f| f.size).sum();
        println!(
            "sauvegarde dans « {} » : {} courriers, {} fichiers ({:.1} Mo), historique jusqu'à l'événement {}",
            dest.display(),
            manifest.courriers,
            manifest.files.len(),
            bytes as f64 / 1e6,
            manifest.history.as_ref().map_or(0, |h| h.event)
        );
        println!("gardez-la ailleurs que sur ce poste ; `pli restore` la remet en place");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn restore(src: &Path, data: &Path, force: bool, json: bool) -> Result<ExitCode> {
    let r = pli_store::backup::restore(src, data, force)?;
    if json {
        print_json(&r)?;
    } else {
        println!(
            "restauré dans « {} » : {} fichiers vérifiés, {} courriers, historique intact ({} événements, jusqu'à l'événement {})",
            data.display(),
            r.files,
            r.courriers,
            r.events,
            r.head.as_ref().map_or(0, |h| h.event)
        );
        if let Some(p) = &r.previous {
            println!("l'ancien dossier de données est mis de côté dans « {} »", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn check(place: &crate::Place, full: bool, json: bool) -> Result<ExitCode> {
    let mut store = place.open()?;
    let report = store.check_integrity(full)?;
    if json {
        print_json(&report)?;
    } else if report.is_sound() {
        // On PostgreSQL the database's own storage is its server's to check.
        let database = match store.dialect() {
            pli_store::db::Dialect::Sqlite => "base de données saine",
            pli_store::db::Dialect::Postgres => "base PostgreSQL (vérifiée par son serveur)",
        };
        println!(
            "rien à signaler : {database}, {} documents conformes ({} enregistrés pour la première fois), historique intact",
            report.documents, report.recorded
        );
    } else {
        for p in report.problems() {
            println!("ATTEINTE : {p}");
        }
    }
    Ok(if report.is_sound() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

pub fn verify_history(place: &crate::Place, anchors: &[PathBuf], json: bool) -> Result<ExitCode> {
    let mut external = Vec::new();
    for file in anchors {
        for (i, anchor) in anchors_in(file)?.into_iter().enumerate() {
            external.push(NamedAnchor { anchor, source: format!("{}, ancre {}", file.display(), i + 1) });
        }
    }
    let store = place.open()?;
    let report = store.verify_history_against(&external)?;
    if json {
        print_json(&report)?;
    } else {
        if let Some(b) = &report.broken {
            println!("HISTORIQUE ALTÉRÉ à l'événement {} : {}", b.event, b.problem);
        }
        for p in &report.anchor_problems {
            println!("HISTORIQUE ALTÉRÉ : {p}");
        }
        for p in &report.record_problems {
            println!("FICHE ALTÉRÉE : {p}");
        }
        if report.intact() {
            println!(
                "historique intact : {} événements, empreinte finale {}, {} ancre(s) vérifiée(s), fiches conformes à leurs événements",
                report.events, report.head, report.anchors
            );
        }
    }
    Ok(if report.intact() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `pli migrate`: the workstation's registry into the shared database, then verified.
pub fn migrate(from: &crate::Place, to: &str, to_data: Option<&Path>, json: bool) -> Result<ExitCode> {
    let source = from.open()?;
    let target_data = to_data.unwrap_or(&from.data);
    let mut target = pli_store::Store::open_postgres(target_data, to)?;
    let bar = indicatif::ProgressBar::new_spinner();
    if json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let report = pli_store::migrate::migrate(&source, &mut target, &|table, rows| {
        bar.set_message(format!("{table} : {rows} ligne(s)"));
        bar.tick();
    })?;
    bar.finish_and_clear();
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        let rows: i64 = report.rows.iter().map(|(_, n)| n).sum();
        println!(
            "{} : {rows} ligne(s), {} événement(s) (fin {}), {} document(s) vérifié(s), {} copié(s) — base « {} »",
            if report.copied { "registre déplacé et vérifié" } else { "déjà déplacé : vérifié" },
            report.events,
            &report.head[..report.head.len().min(16)],
            report.documents_checked,
            report.documents_copied,
            target.location(),
        );
    }
    Ok(ExitCode::SUCCESS)
}
