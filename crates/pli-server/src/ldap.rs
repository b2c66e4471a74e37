//! Directory sign-in (LDAP / Active Directory), when the configuration has `[ldap]`:
//! the login is looked up with the service account (or anonymously), exactly one entry
//! must match, and the typed password is checked by binding as that entry. The directory
//! only says yes or no to the password; who may sign in and with which roles stays Pli's
//! (`Store::sign_in_by_directory`).

use crate::config::LdapSection;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry, SearchOptions, ldap_escape};
use std::time::Duration;

/// The directory's answer to a login and password: `Ok(true)` only when exactly one
/// entry matches the filters and the bind as that entry with `password` succeeds.
/// `Err` when the directory could not be asked (unreachable, service account refused):
/// that is no wrong password, and must not count towards a lockout.
pub async fn verify(section: &LdapSection, login: &str, password: &str) -> Result<bool, String> {
    // An empty password would make a simple bind "unauthenticated", which succeeds
    // for any DN (RFC 4513 §5.1.2): never sent.
    if login.is_empty() || password.is_empty() {
        return Ok(false);
    }
    within(section, async {
        let mut ldap = connect(section).await?;
        service_bind(section, &mut ldap).await?;
        let filter = user_filter(section, login);
        let found = ldap
            .with_search_options(SearchOptions::new().sizelimit(2))
            .search(&section.base_dn, Scope::Subtree, &filter, vec!["1.1"])
            .await
            .map_err(|e| unreachable_or(e, "recherche"))?;
        let (entries, result) = (found.0, found.1);
        // 4: more than the size limit, so more than one entry.
        if result.rc != 0 && result.rc != 4 {
            return Err(format!("annuaire : recherche refusée ({})", describe(result.rc, &result.text)));
        }
        let dns: Vec<String> = entries
            .into_iter()
            .filter(|e| !e.is_ref() && !e.is_intermediate())
            .map(|e| SearchEntry::construct(e).dn)
            .collect();
        if dns.len() != 1 {
            if dns.len() > 1 {
                tracing::warn!("annuaire : plusieurs entrées pour un même identifiant (filtre user_filter à revoir)");
            }
            let _ = ldap.unbind().await;
            return Ok(false);
        }
        let bound = ldap.simple_bind(&dns[0], password).await.map_err(|e| unreachable_or(e, "connexion"))?;
        let _ = ldap.unbind().await;
        match bound.rc {
            0 => Ok(true),
            // invalidCredentials (AD also says it for a disabled or expired account)
            49 => Ok(false),
            rc => Err(format!("annuaire : vérification du mot de passe impossible ({})", describe(rc, &bound.text))),
        }
    })
    .await
}

/// `pli serve --check-config`: the directory answers and takes the service account.
pub async fn check(section: &LdapSection) -> Result<(), String> {
    within(section, async {
        let mut ldap = connect(section).await?;
        service_bind(section, &mut ldap).await?;
        let _ = ldap.unbind().await;
        Ok(())
    })
    .await
}

/// The search filter for `login`: `user_filter` with the login escaped (RFC 4515), ANDed
/// with `active_filter` when there is one.
pub fn user_filter(section: &LdapSection, login: &str) -> String {
    let user = section.user_filter.replace("{login}", &ldap_escape(login));
    match &section.active_filter {
        Some(active) => format!("(&{user}{active})"),
        None => user,
    }
}

async fn within<T>(section: &LdapSection, work: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    let limit = Duration::from_secs(section.timeout_seconds);
    tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
        Err(format!("annuaire injoignable : pas de réponse de {} en {} s", section.url, section.timeout_seconds))
    })
}

async fn connect(section: &LdapSection) -> Result<Ldap, String> {
    let settings = LdapConnSettings::new().set_conn_timeout(Duration::from_secs(section.timeout_seconds));
    let (conn, ldap) = LdapConnAsync::with_settings(settings, &section.url)
        .await
        .map_err(|e| format!("annuaire injoignable ({}) : {e}", section.url))?;
    ldap3::drive!(conn);
    Ok(ldap)
}

async fn service_bind(section: &LdapSection, ldap: &mut Ldap) -> Result<(), String> {
    let (Some(dn), Some(password)) = (&section.bind_dn, &section.bind_password) else {
        return Ok(()); // anonymous search
    };
    let bound = ldap.simple_bind(dn, password).await.map_err(|e| unreachable_or(e, "connexion"))?;
    if bound.rc != 0 {
        return Err(format!("annuaire : compte de service « {dn} » refusé ({})", describe(bound.rc, &bound.text)));
    }
    Ok(())
}

fn unreachable_or(e: LdapError, what: &str) -> String {
    match e {
        LdapError::LdapResult { result } => {
            format!("annuaire : {what} refusée ({})", describe(result.rc, &result.text))
        }
        e => format!("annuaire injoignable : {e}"),
    }
}

fn describe(rc: u32, text: &str) -> String {
    match (rc, text.is_empty()) {
        (49, true) => "code 49 : identifiant ou mot de passe refusé".into(),
        (_, true) => format!("code {rc}"),
        (_, false) => format!("code {rc} : {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(active: Option<&str>) -> LdapSection {
        let mut s: LdapSection = toml::from_str("url = \"ldap://127.0.0.1:1/\"\nbase_dn = \"dc=pli,dc=test\"").unwrap();
        s.active_filter = active.map(str::to_string);
        s
    }

    #[test]
    fn the_login_is_escaped_in_the_filter() {
        let s = section(None);
        assert_eq!(user_filter(&s, "rh"), "(uid=rh)");
        assert_eq!(user_filter(&s, "*"), "(uid=\\2a)");
        assert_eq!(user_filter(&s, "*)(uid=*))(|(uid=*"), "(uid=\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a)");
        assert_eq!(user_filter(&s, "a\\b\0"), "(uid=a\\5cb\\00)");
        let ad = section(Some("(!(userAccountControl:1.2.840.113556.1.4.803:=2))"));
        assert_eq!(user_filter(&ad, "rh"), "(&(uid=rh)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))");
    }
}
