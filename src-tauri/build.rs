fn main() {
    // The window's front end is embedded from ui/dist, built by `make ui` (npm).
    if !std::path::Path::new("../ui/dist/index.html").is_file() {
        panic!(
            "ui/dist/index.html manque : construisez l'interface d'abord avec `make ui` (ou `make test`).\n\
             ui/dist/index.html is missing: build the front end first with `make ui` (or `make test`)."
        );
    }
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::build()
}
