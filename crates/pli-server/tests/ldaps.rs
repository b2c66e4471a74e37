//! Directory sign-in over TLS (`ldaps://`) against a real slapd: the directory's
//! certificate is checked (trusted here through `SSL_CERT_FILE`, as an agency would add
//! its CA to the system's store), and a name it was not made for is refused. Its own test
//! binary: the trusted certificates are read once per process.

mod slapd;

use slapd::{DIRECTORY_PASSWORD, Slapd};

#[test]
fn ldaps_checks_the_directory_certificate() {
    let Some(slapd) = Slapd::start_tls() else { return };
    // SAFETY: the only test of this binary, before any thread of its own and any TLS.
    unsafe { std::env::set_var("SSL_CERT_FILE", slapd.certificate()) };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let verify = |section, password| runtime.block_on(pli_server::ldap::verify(section, "rh", password));
    let section = slapd.section();
    assert!(section.url.starts_with("ldaps://"));
    assert_eq!(runtime.block_on(pli_server::ldap::check(&section)), Ok(()));
    assert_eq!(verify(&section, DIRECTORY_PASSWORD), Ok(true));
    assert_eq!(verify(&section, "devine"), Ok(false));
    // The certificate names 127.0.0.1, not localhost: no exchange with an impostor.
    let mut elsewhere = section.clone();
    elsewhere.url = elsewhere.url.replace("127.0.0.1", "localhost");
    let e = verify(&elsewhere, DIRECTORY_PASSWORD).unwrap_err();
    assert!(e.starts_with("annuaire injoignable") && e.contains("certificate"), "{e}");
}
