//! Signing and local validation: good tokens pass; expired, tampered,
//! wrongly signed and revoked ones fail; an unknown key id triggers a JWKS
//! refetch, so rotated keys work without a restart.

use std::sync::{Arc, Mutex};
use stratus_auth::*;

struct StaticSource(Arc<Mutex<Jwks>>, Arc<Mutex<u32>>);

impl KeySource for StaticSource {
    fn fetch(&self) -> JwksFuture {
        let jwks = self.0.lock().expect("lock").clone();
        *self.1.lock().expect("lock") += 1;
        Box::pin(async move { Ok(jwks) })
    }
}

fn claims(iat: i64, exp: i64) -> TokenClaims {
    let domain = NamedRef {
        id: "default".into(),
        name: "Default".into(),
    };
    TokenClaims {
        iss: "stratus-identity".into(),
        sub: "u1".into(),
        user: UserRef {
            id: "u1".into(),
            name: "alice".into(),
            domain: domain.clone(),
            password_expires_at: None,
        },
        scope: Scope::Project(ProjectScope {
            id: "p1".into(),
            name: "demo".into(),
            domain,
        }),
        roles: vec![NamedRef {
            id: "r1".into(),
            name: "member".into(),
        }],
        methods: vec!["password".into()],
        iat,
        exp,
        iat_ms: iat * 1000,
        jti: "t1".into(),
        audit_ids: vec!["a1".into()],
        application_credential: None,
        is_admin_project: false,
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn setup() -> (KeyPair, Signer, Arc<Mutex<Jwks>>, Arc<Mutex<u32>>, Verifier) {
    setup_with(std::time::Duration::ZERO)
}

fn setup_with(
    refetch: std::time::Duration,
) -> (KeyPair, Signer, Arc<Mutex<Jwks>>, Arc<Mutex<u32>>, Verifier) {
    let pair = KeyPair::generate().expect("generate");
    let signer = Signer::new(pair.kid.clone(), &pair.private_der);
    let jwks = Arc::new(Mutex::new(Jwks {
        keys: vec![ed25519_jwk(&pair.kid, &pair.public_key)],
    }));
    let fetches = Arc::new(Mutex::new(0));
    let verifier = Verifier::new(
        Arc::new(StaticSource(jwks.clone(), fetches.clone())),
        Arc::new(RevocationSet::default()),
    )
    .with_min_refetch_interval(refetch);
    (pair, signer, jwks, fetches, verifier)
}

#[tokio::test]
async fn a_signed_token_validates_and_keys_are_cached() {
    let (_, signer, _, fetches, verifier) = setup();
    let c = claims(now(), now() + 3600);
    let token = signer.sign(&c).expect("sign");
    assert_eq!(verifier.verify(&token).await.expect("valid"), c);
    assert_eq!(verifier.verify(&token).await.expect("valid"), c);
    assert_eq!(
        *fetches.lock().expect("lock"),
        1,
        "JWKS fetched once, then cached"
    );
}

#[tokio::test]
async fn expired_tampered_and_foreign_tokens_are_refused() {
    let (_, signer, _, _, verifier) = setup();
    let expired = signer.sign(&claims(now() - 7200, now() - 1)).expect("sign");
    assert!(matches!(
        verifier.verify(&expired).await,
        Err(AuthError::Expired)
    ));

    let good = signer.sign(&claims(now(), now() + 3600)).expect("sign");
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut evil = claims(now(), now() + 3600);
    evil.roles[0].name = "admin".into();
    use base64::Engine;
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&evil).expect("json"));
    let tampered = parts.join(".");
    assert!(matches!(
        verifier.verify(&tampered).await,
        Err(AuthError::Invalid(_))
    ));

    // Signed by a key that is not in the JWKS, but claiming a known kid.
    let other = KeyPair::generate().expect("generate");
    let forger = Signer::new(signer.kid().to_owned(), &other.private_der);
    let forged = forger.sign(&claims(now(), now() + 3600)).expect("sign");
    assert!(matches!(
        verifier.verify(&forged).await,
        Err(AuthError::Invalid(_))
    ));

    for junk in ["", "abc", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x"] {
        assert!(verifier.verify(junk).await.is_err(), "{junk:?} accepted");
    }
}

#[tokio::test]
async fn a_remembered_token_still_expires_and_is_still_revocable() {
    let (_, signer, _, _, verifier) = setup();
    let short = signer.sign(&claims(now(), now() + 1)).expect("sign");
    verifier.verify(&short).await.expect("valid");
    verifier.verify(&short).await.expect("valid, remembered");
    // Tampering with a remembered token is not a cache hit.
    let mut parts: Vec<String> = short.split('.').map(str::to_owned).collect();
    parts[2] = parts[2].chars().rev().collect();
    assert!(verifier.verify(&parts.join(".")).await.is_err());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match verifier.verify(&short).await {
            Err(AuthError::Expired) => break,
            Ok(_) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            other => panic!("a remembered token outlived its expiry: {other:?}"),
        }
    }

    let long = signer.sign(&claims(now() - 5, now() + 3600)).expect("sign");
    verifier.verify(&long).await.expect("valid");
    verifier.revocations().add(RevocationEvent {
        audit_id: Some("a1".into()),
        issued_before_ms: now() * 1000,
        expires_at: now() + 3600,
        ..RevocationEvent::default()
    });
    assert!(matches!(
        verifier.verify(&long).await,
        Err(AuthError::Revoked)
    ));
}

#[tokio::test]
async fn a_rotated_key_is_fetched_on_first_sight() {
    let (pair, signer, jwks, fetches, verifier) = setup();
    let old = signer.sign(&claims(now(), now() + 3600)).expect("sign");
    verifier.verify(&old).await.expect("valid");

    let next = KeyPair::generate().expect("generate");
    jwks.lock().expect("lock").keys = vec![
        ed25519_jwk(&pair.kid, &pair.public_key),
        ed25519_jwk(&next.kid, &next.public_key),
    ];
    let new_signer = Signer::new(next.kid.clone(), &next.private_der);
    let new = new_signer.sign(&claims(now(), now() + 3600)).expect("sign");
    verifier
        .verify(&new)
        .await
        .expect("new key found by refetch");
    verifier.verify(&old).await.expect("old tokens still valid");
    assert_eq!(*fetches.lock().expect("lock"), 2);
}

#[tokio::test]
async fn revocation_events_match_by_audit_id_user_and_project() {
    let (_, signer, _, _, verifier) = setup();
    let issued = now() - 10;
    let token = signer.sign(&claims(issued, now() + 3600)).expect("sign");
    verifier.verify(&token).await.expect("valid");

    let exp = now() + 3600;
    let event = |audit: Option<&str>, user: Option<&str>, project: Option<&str>, before: i64| {
        RevocationEvent {
            audit_id: audit.map(Into::into),
            user_id: user.map(Into::into),
            project_id: project.map(Into::into),
            issued_before_ms: before * 1000,
            expires_at: exp,
            ..RevocationEvent::default()
        }
    };
    let c = claims(issued, exp);
    assert!(event(Some("a1"), None, None, now()).matches(&c));
    assert!(event(None, Some("u1"), None, now()).matches(&c));
    assert!(event(None, None, Some("p1"), now()).matches(&c));
    assert!(!event(None, Some("u2"), None, now()).matches(&c));
    assert!(!event(None, Some("u1"), Some("p2"), now()).matches(&c));
    let role = |id: &str| RevocationEvent {
        role_id: Some(id.into()),
        ..event(None, None, None, now())
    };
    assert!(role("r1").matches(&c), "a deleted role revokes its tokens");
    assert!(!role("r2").matches(&c), "other roles' tokens survive");
    assert!(
        !event(None, Some("u1"), None, issued - 1).matches(&c),
        "a later token is not revoked"
    );

    verifier
        .revocations()
        .add(event(None, Some("u1"), None, now()));
    assert!(matches!(
        verifier.verify(&token).await,
        Err(AuthError::Revoked)
    ));
    verifier.revocations().prune(exp + 1);
    assert!(verifier.revocations().is_empty());
}

#[test]
fn a_set_of_many_events_finds_each_kind_by_its_index() {
    let issued = now() - 10;
    let exp = now() + 3600;
    let c = claims(issued, exp);
    let base = RevocationEvent {
        issued_before_ms: now() * 1000,
        expires_at: exp,
        ..RevocationEvent::default()
    };
    let set = RevocationSet::default();
    for i in 0..10_000 {
        set.add(RevocationEvent {
            user_id: Some(format!("other-{i}")),
            ..base.clone()
        });
    }
    assert_eq!(set.len(), 10_000);
    assert!(!set.is_revoked(&c));
    let kinds = [
        RevocationEvent {
            audit_id: Some("a1".into()),
            ..base.clone()
        },
        RevocationEvent {
            user_id: Some("u1".into()),
            project_id: Some("p1".into()),
            ..base.clone()
        },
        RevocationEvent {
            project_id: Some("p1".into()),
            ..base.clone()
        },
        RevocationEvent {
            domain_id: Some("default".into()),
            ..base.clone()
        },
        RevocationEvent {
            role_id: Some("r1".into()),
            ..base.clone()
        },
        base.clone(),
    ];
    for kind in kinds {
        let set = RevocationSet::default();
        set.add(RevocationEvent {
            user_id: Some("u2".into()),
            ..base.clone()
        });
        set.add(kind.clone());
        assert!(set.is_revoked(&c), "{kind:?}");
        set.prune(exp + 1);
        assert!(set.is_empty());
    }
    let set = RevocationSet::default();
    set.add(RevocationEvent {
        user_id: Some("u1".into()),
        project_id: Some("p2".into()),
        ..base
    });
    assert!(!set.is_revoked(&c), "both fields must match");
}

#[tokio::test]
async fn unknown_key_ids_cannot_make_it_refetch_in_a_loop() {
    let (_, _, _, fetches, verifier) = setup_with(std::time::Duration::from_secs(3600));
    let stranger = KeyPair::generate().expect("generate");
    let signer = Signer::new(stranger.kid.clone(), &stranger.private_der);
    for _ in 0..20 {
        let token = signer.sign(&claims(now(), now() + 3600)).expect("sign");
        assert!(matches!(
            verifier.verify(&token).await,
            Err(AuthError::UnknownKey)
        ));
    }
    assert_eq!(*fetches.lock().expect("lock"), 1);
}

#[test]
fn a_token_issued_just_after_a_revocation_in_the_same_second_survives_it() {
    let second = now();
    let event = RevocationEvent {
        audit_id: None,
        user_id: Some("u1".into()),
        issued_before_ms: second * 1000 + 400,
        expires_at: second + 3600,
        ..RevocationEvent::default()
    };
    let mut c = claims(second, second + 3600);
    c.iat_ms = second * 1000 + 400;
    assert!(
        event.matches(&c),
        "issued at the revocation's instant: revoked"
    );
    c.iat_ms = second * 1000 + 401;
    assert!(!event.matches(&c), "issued a millisecond later: alive");
    c.iat_ms = 0; // a token without iat_ms counts from the start of its second
    assert!(event.matches(&c));
}
