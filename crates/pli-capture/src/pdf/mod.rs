//! PDF output: the searchable PDF of a courrier and the printable separator sheets.
//!
//! OWNED BY THE PDF HELPER — to be written.
