//! What every operation of both services' OpenAPI descriptions shares, added by one
//! modifier: the `bearer` security scheme (`Authorization: Bearer <token>`), and the
//! answers any operation may give in the one error body: `400`, `408`, `413` and `415`
//! for one that takes a body, `401` for one that needs a token, `404`, `429` (the gateway) and
//! `500` for every one.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr, Response};

/// The modifier (`#[openapi(modifiers(&Conventions { .. }))]`).
pub struct Conventions {
    /// Who a `500` is the fault of ("the authority", "the gateway").
    pub service: &'static str,
    /// What bounds a body, for the `413` answer.
    pub body_limit: &'static str,
    /// Whether the service answers `429` with `Retry-After`.
    pub rate_limited: bool,
}

impl utoipa::Modify for Conventions {
    fn modify(&self, doc: &mut OpenApi) {
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        let internal = format!(
            "a failure inside {} (its detail is logged, never answered)",
            self.service
        );
        let too_large = format!("a body over {}", self.body_limit);
        for item in doc.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                let mut answers = vec![
                    ("404", "no such endpoint or resource"),
                    ("500", internal.as_str()),
                ];
                if op.request_body.is_some() {
                    answers.extend([
                        ("400", "a malformed body or a value out of range"),
                        (
                            "408",
                            "a body that pauses too long or arrives below the minimum rate",
                        ),
                        ("413", too_large.as_str()),
                        ("415", "a body without Content-Type: application/json"),
                    ]);
                }
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    answers.push(("401", "no bearer token, or one that is not valid"));
                    if self.rate_limited {
                        answers.push((
                            "429",
                            "over the lease's rate: wait the Retry-After header's seconds",
                        ));
                    }
                }
                for (code, what) in answers {
                    op.responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| {
                            RefOr::T(Response::new(format!(
                                "{what}: {{\"error\", \"message\", \"retry_at\"?}}"
                            )))
                        });
                }
            }
        }
    }
}
