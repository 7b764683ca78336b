//! Applying a plan that has no problems, step by step through the REST API:
//! new-event requests, schema versions before the edits that may tag their
//! new fields, edits, retirements. A call can still fail (someone changed
//! the event meanwhile): the run stops there and says what it had done.

use app::access::RequestView;
use app::catalogue::EventDetail;
use reqwest::Method;

use super::plan::{Action, Plan};
use super::show::Applied;
use crate::cli::client::Api;
use crate::cli::failure::Failure;
use crate::cli::schemas;

/// Makes the plan's changes; prints each as it is done when `print`.
pub async fn apply(api: &Api, plan: &Plan, print: bool) -> Result<Vec<Applied>, Failure> {
    let mut applied: Vec<Applied> = Vec::new();
    let mut done = |event: &str, what: String| {
        if print {
            outln!("{what}");
        }
        applied.push(Applied {
            event: event.to_string(),
            done: what,
        });
    };
    for step in &plan.steps {
        let name = step.event.as_str();
        let result: Result<(), Failure> = async {
            match &step.action {
                Action::Pending { .. } => {}
                Action::NewEvent { request } => {
                    let view: RequestView = api
                        .write(Method::POST, &["requests", "new-event"], request)
                        .await?;
                    done(
                        name,
                        format!("submitted new-event request {} for {name}", view.id),
                    );
                }
                Action::Update { schemas, patch, .. } => {
                    for s in schemas {
                        let r = schemas::propose(api, name, s.role, &s.text).await?;
                        // The same canonical form keeps its version; the
                        // event takes the new docs.
                        let what = if s.check.unchanged {
                            format!("updated the docs of {name}'s {} schema", s.role.as_str())
                        } else {
                            format!("registered {} version {} for {name}", r.subject, r.version)
                        };
                        done(name, what);
                    }
                    if let Some(patch) = patch {
                        let _: EventDetail =
                            api.write(Method::PATCH, &["events", name], patch).await?;
                        done(name, format!("updated {name}"));
                    }
                }
                Action::Retire { patch, .. } => {
                    let _: EventDetail = api.write(Method::PATCH, &["events", name], patch).await?;
                    done(name, format!("retired {name}"));
                }
            }
            Ok(())
        }
        .await;
        if let Err(failure) = result {
            let before = if applied.is_empty() {
                "nothing was applied before this failure".to_string()
            } else {
                let list: Vec<&str> = applied.iter().map(|a| a.done.as_str()).collect();
                format!("applied before this failure: {}", list.join("; "))
            };
            return Err(failure.with_line(format!("{name}: stopped here; {before}")));
        }
    }
    Ok(applied)
}
