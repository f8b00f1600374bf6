//! The scheduler's families: runs of each of errmon's background jobs, and their failures
//! (overrun, panic, timeout), every failure at zero from the job's start.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::layout::push_label;
use super::model::{Family, FamilyKind, Labels, Value};
use crate::schedule::{self, Failure};

const RUNS: &str = "errmon_scheduler_job_runs_total";
const RUNS_HELP: &str =
    "Runs of errmon's background jobs (history sampling, facade upkeep, the bridge, ...).";
const FAILURES: &str = "errmon_scheduler_job_failures_total";
const FAILURES_HELP: &str = "Failed runs of errmon's background jobs by failure: overrun (the previous run was still going), panic or timeout.";

/// Renders the scheduler's families into `out`; nothing while no job is registered.
pub(crate) fn render(out: &mut String, const_labels: &[(String, String)]) {
    let jobs = schedule::stats();
    if jobs.is_empty() {
        return;
    }
    let mut consts = String::new();
    for (k, v) in const_labels
        .iter()
        .filter(|(k, _)| k != "job" && k != "failure")
    {
        consts.push(',');
        push_label(&mut consts, k, v);
    }
    for (name, help) in [(RUNS, RUNS_HELP), (FAILURES, FAILURES_HELP)] {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n"));
        for job in &jobs {
            let mut labels = String::new();
            push_label(&mut labels, "job", &job.name);
            if name == RUNS {
                out.push_str(&format!("{name}{{{labels}{consts}}} {}\n", job.runs));
                continue;
            }
            for failure in Failure::ALL {
                let mut with = labels.clone();
                with.push(',');
                push_label(&mut with, "failure", failure.as_str());
                out.push_str(&format!(
                    "{name}{{{with}{consts}}} {}\n",
                    job.failures(failure)
                ));
            }
        }
    }
}

/// The same families as the bridge publishes them.
pub(crate) fn families() -> Vec<Family<'static>> {
    let mut runs = BTreeMap::new();
    let mut failures = BTreeMap::new();
    for job in schedule::stats() {
        let head: Labels<'static> = vec![("job", Cow::Owned(job.name.clone()))];
        runs.insert(head.clone(), Value::Number(job.runs));
        for failure in Failure::ALL {
            let mut labels = head.clone();
            labels.push(("failure", Cow::Borrowed(failure.as_str())));
            failures.insert(labels, Value::Number(job.failures(failure)));
        }
    }
    vec![
        Family {
            name: RUNS,
            kind: FamilyKind::Counter,
            series: runs,
        },
        Family {
            name: FAILURES,
            kind: FamilyKind::Counter,
            series: failures,
        },
    ]
}
