//! A licensing authority for tests, in process: a temporary data folder, a development
//! identity provider it trusts (by a JWKS file), a manual clock, the `initial` admin
//! token, and the shortcuts tests take (an identity that passed the assessment, a
//! credential for a holder key) through the authority's own library.

use crate::clock::ManualClock;
use crate::idp::DevIdp;
use alc_circuits::credential::HolderSecret;
use alc_circuits::field::{to_decimal, Fr};
use alc_circuits::files::CredentialFile;
use alc_issuer::authority::Authority;
use alc_issuer::identity::IdKey;
use alc_issuer::questions::{Bank, DEFAULT_BANK};
use alc_protocol::authority::{Answer, Attempt, CredentialRequest, RevokeRequest};
use alc_protocol::time::Clock as _;
use axum::Router;
use std::sync::Arc;
use tempfile::TempDir;

/// The time test authorities start at (2026-09-21).
pub const T0: u64 = 1_790_000_000;
/// The issuer of the test identity provider.
pub const IDP: &str = "https://idp.test";
/// The audience (client id) the test authority expects.
pub const AUDIENCE: &str = "alc-authority";
/// The test authority's name.
pub const NAME: &str = "test-authority";

/// How to make a [`TestAuthority`].
#[derive(Debug, Clone)]
pub struct AuthorityBuilder {
    config: String,
    identity_provider: bool,
    link_claim: Option<String>,
    others: Vec<(String, Option<String>)>,
    start: u64,
}

impl Default for AuthorityBuilder {
    fn default() -> Self {
        Self {
            config: String::new(),
            identity_provider: true,
            link_claim: None,
            others: Vec::new(),
            start: T0,
        }
    }
}

impl AuthorityBuilder {
    /// More of `authority.toml`, written after `name = "test-authority"` and before the
    /// identity provider's table (top-level keys first, then tables).
    pub fn config(mut self, toml: &str) -> Self {
        self.config.push_str(toml);
        if !self.config.ends_with('\n') {
            self.config.push('\n');
        }
        self
    }

    /// The test provider links identities across providers by the claim `name`.
    pub fn link_claim(mut self, name: &str) -> Self {
        self.link_claim = Some(name.to_owned());
        self
    }

    /// Another provider trusted beside the test one, with issuer `issuer` (linking by
    /// `link_claim` if given): [`TestAuthority::others`] holds it.
    pub fn provider(mut self, issuer: &str, link_claim: Option<&str>) -> Self {
        self.others
            .push((issuer.to_owned(), link_claim.map(str::to_owned)));
        self
    }

    /// No identity provider: every sign-in is refused.
    pub fn without_identity_provider(mut self) -> Self {
        self.identity_provider = false;
        self
    }

    /// Opens the authority.
    ///
    /// # Panics
    ///
    /// If the authority cannot be opened: a test fixture that fails is a failed test.
    pub async fn start(self) -> TestAuthority {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let idp = DevIdp::generate(IDP.into());
        // The database first: the test's own keys may end in a table.
        let database = if crate::postgres::authority_on_postgres() {
            let server = crate::postgres::server()
                .expect("ALC_TEST_AUTHORITY_ON_POSTGRES=1 needs ALC_TEST_POSTGRES");
            let url = crate::postgres::fresh_database(&server, "alc_auth").await;
            format!("database = \"{url}\"\n")
        } else {
            String::new()
        };
        let mut toml = format!("name = \"{NAME}\"\n{database}{}", self.config);
        let table = |idp: &DevIdp, file: &str, link: &Option<String>| {
            let jwks = dir.path().join(file);
            std::fs::write(&jwks, idp.jwks().to_string()).expect("a JWKS file");
            let link = link
                .as_ref()
                .map(|c| format!("link_claim = \"{c}\"\n"))
                .unwrap_or_default();
            format!(
                "\n[[identity_providers]]\nissuer = \"{}\"\naudience = \"{AUDIENCE}\"\njwks = {{ file = \"{}\" }}\n{link}",
                idp.issuer(),
                jwks.display()
            )
        };
        if self.identity_provider {
            toml.push_str(&table(&idp, "jwks.json", &self.link_claim));
        }
        let mut others = Vec::new();
        for (i, (issuer, link)) in self.others.iter().enumerate() {
            let other = DevIdp::generate(issuer.clone());
            toml.push_str(&table(&other, &format!("jwks-{i}.json"), link));
            others.push(other);
        }
        std::fs::write(dir.path().join("authority.toml"), toml).expect("authority.toml");
        let clock = ManualClock::at(self.start);
        let authority = alc_issuer::service::open(dir.path(), Arc::new(clock.clone()))
            .await
            .expect("the test authority opens");
        let admin = std::fs::read_to_string(dir.path().join("admin-token"))
            .expect("the initial admin token")
            .trim()
            .to_owned();
        TestAuthority {
            app: alc_issuer::api::app(authority.clone()),
            authority,
            clock,
            idp,
            others,
            admin,
            dir,
        }
    }
}

/// A licensing authority for a test.
pub struct TestAuthority {
    /// Its router (for `oneshot`).
    pub app: Router,
    /// The authority.
    pub authority: Arc<Authority>,
    /// Its clock.
    pub clock: ManualClock,
    /// The identity provider it trusts.
    pub idp: DevIdp,
    /// The other providers it trusts ([`AuthorityBuilder::provider`]), in order.
    pub others: Vec<DevIdp>,
    /// The `initial` admin token (every scope).
    pub admin: String,
    /// Its data folder (removed when dropped).
    pub dir: TempDir,
}

impl TestAuthority {
    /// How to make one.
    pub fn builder() -> AuthorityBuilder {
        AuthorityBuilder::default()
    }

    /// One with the defaults.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// Its clock's time.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// Serves its API on a fresh loopback port: the base URL and the server's task.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound.
    pub async fn serve(&self) -> (String, tokio::task::JoinHandle<std::io::Result<()>>) {
        crate::http::serve(self.app.clone())
            .await
            .expect("a loopback port")
    }

    /// An ID token for `subject` carrying a fresh nonce of the authority.
    ///
    /// # Panics
    ///
    /// If the authority gives no nonce.
    pub async fn id_token(&self, subject: &str) -> String {
        let n = self.authority.nonce().await.expect("a nonce");
        self.idp
            .mint(subject, AUDIENCE, Some(&n.nonce), self.now(), 600)
    }

    /// The identity of `subject`, signed in and through the assessment with every answer
    /// right.
    ///
    /// # Panics
    ///
    /// If any step is refused.
    pub async fn passed(&self, subject: &str) -> IdKey {
        let a = &self.authority;
        let token = self.id_token(subject).await;
        let session = a.login(&token).await.expect("sign-in");
        let id = a
            .session_identity(&session.session)
            .await
            .expect("the session's identity");
        let attempt = a.start_attempt(&session.session).await.expect("an attempt");
        let marked = a
            .submit_attempt(
                &session.session,
                &attempt.attempt,
                &correct_answers(&attempt),
            )
            .await
            .expect("marked");
        assert!(marked.passed, "every answer right must pass");
        id
    }

    /// An operator credential for `holder`, issued to `subject` after a pass.
    ///
    /// # Panics
    ///
    /// If any step is refused.
    pub async fn credential(&self, subject: &str, holder: &HolderSecret) -> CredentialFile {
        let id = self.passed(subject).await;
        self.issue(&id, &holder.commitment()).await
    }

    /// An operator credential (no permit) for the holder commitment `holder`, issued to
    /// `id`.
    ///
    /// # Panics
    ///
    /// If the authority refuses.
    pub async fn issue(&self, id: &IdKey, holder: &Fr) -> CredentialFile {
        let req = CredentialRequest {
            holder: to_decimal(holder),
            permit: None,
        };
        self.authority.issue(id, &req).await.expect("a credential")
    }

    /// Revokes `serial` (as an emergency or not) through the authority's library: the
    /// new epoch.
    ///
    /// # Panics
    ///
    /// If the authority refuses.
    pub async fn revoke(&self, serial: u32, emergency: bool) -> u64 {
        let req = RevokeRequest {
            serial,
            reason: "test".into(),
            emergency,
        };
        self.authority
            .revoke(&req, "test")
            .await
            .expect("a revocation")
            .epoch
    }
}

/// A tier-3 permit that meets every requirement, made by [`TestAuthority::tier3`].
pub struct Tier3 {
    /// The principal who names the agent system: a session of theirs.
    pub session: String,
    /// Their permit-bound credential (permit tier 3), under the holder key given.
    pub credential: CredentialFile,
}

impl TestAuthority {
    /// A tier-3 permit `permit` meeting every requirement (insured at the configured
    /// minimum by a fresh insurer, incident conditions, two licensed principals
    /// `SUBJECT` and `SUBJECT-2`, an agent system `system` named by `subject`), and
    /// `subject`'s credential bound to it, under `holder`.
    ///
    /// # Panics
    ///
    /// If the authority refuses a step.
    pub async fn tier3(
        &self,
        permit: &str,
        system: &str,
        subject: &str,
        holder: &HolderSecret,
    ) -> Tier3 {
        use alc_protocol::authority::{
            IdentityRef, InsurerRegistration, NewAgentSystem, NewOperator, NewPermit,
        };
        let a = &self.authority;
        let insurer = alc_insurance::InsurerSecret::generate(&mut rand::rngs::OsRng);
        let reg = InsurerRegistration {
            id: format!("insurer-of-{permit}"),
            key: insurer.public().to_string(),
            reason: "test".into(),
        };
        a.register_insurer(&reg, "test").await.expect("an insurer");
        let minimum = a.config().insurance.min_cover(3).expect("a tier-3 minimum");
        let p = NewPermit {
            id: permit.into(),
            name: format!("{permit} plc"),
            tier: 3,
            insurance: Some(crate::insurance::cover(
                &insurer,
                permit,
                "POL-3",
                3,
                minimum,
                self.now() + 365 * 86_400,
            )),
            contacts: Vec::new(),
            incident_contact: Some("mailto:duty@example.test".into()),
            reporting: vec!["https://example.test/incidents".into()],
            reason: "test".into(),
        };
        a.create_permit(&p, "test").await.expect("a tier-3 permit");
        let who = |s: &str| IdentityRef {
            issuer: IDP.into(),
            subject: s.into(),
        };
        let second = format!("{subject}-2");
        let id = self.passed(subject).await;
        self.issue(&id, &holder.commitment()).await;
        let other = self.passed(&second).await;
        self.issue(
            &other,
            &HolderSecret::generate(&mut rand::rngs::OsRng).commitment(),
        )
        .await;
        for s in [subject, second.as_str()] {
            let op = NewOperator {
                identity: who(s),
                principal: true,
                reason: "test".into(),
            };
            a.add_operator(permit, &op, "test")
                .await
                .expect("a principal");
        }
        let sys = NewAgentSystem {
            name: system.into(),
            principal: who(subject),
            reason: "test".into(),
        };
        a.add_agent_system(permit, &sys, "test")
            .await
            .expect("an agent system");
        let req = CredentialRequest {
            holder: to_decimal(&holder.commitment()),
            permit: Some(permit.into()),
        };
        let credential = a.issue(&id, &req).await.expect("a permit credential");
        let token = self.id_token(subject).await;
        let session = a.login(&token).await.expect("sign-in").session;
        Tier3 {
            session,
            credential,
        }
    }
}

/// The right answer to every question of an attempt drawn from the default bank.
///
/// # Panics
///
/// If the attempt shows a question or option the default bank does not have.
pub fn correct_answers(attempt: &Attempt) -> Vec<Answer> {
    Bank::from_toml(DEFAULT_BANK)
        .and_then(|bank| bank.key(&attempt.questions))
        .expect("questions of the default bank")
}
