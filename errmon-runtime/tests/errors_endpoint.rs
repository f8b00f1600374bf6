//! `GET /errors` over HTTP: what an operator's `curl` sees after a few failures.

use errmon_test_support as support;

use errmon_runtime::{Config, ErrorKind, monitored};
use support::get;

#[derive(Debug, ErrorKind)]
enum ChargeError {
    Declined(u64),
}

impl std::fmt::Display for ChargeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChargeError::Declined(order) => write!(f, "card declined for order {order}"),
        }
    }
}

impl std::error::Error for ChargeError {}

#[monitored]
fn charge(order: u64) -> Result<(), ChargeError> {
    Err(ChargeError::Declined(order))
}

#[test]
fn errors_are_served_as_json_and_bad_parameters_get_a_400() {
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .install()
        .expect("install errmon");
    let addr = guard.local_addr();
    for order in [1001, 1002, 1003] {
        let _ = charge(order);
    }

    let r = get(addr, "/errors?function=charge&limit=5");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    let json: serde_json::Value = serde_json::from_str(r.text()).expect("valid JSON");
    let groups = json["top_groups"].as_array().expect("top_groups");
    let group = groups
        .iter()
        .find(|g| g["function"] == "charge")
        .unwrap_or_else(|| panic!("no group of `charge`: {json:#}"));
    // Three messages that differ only in the order number are one group.
    assert_eq!(group["count"], 3, "{group:#}");
    assert_eq!(
        group["message"], "card declined for order <int>",
        "{group:#}"
    );
    let recent = json["recent"].as_array().expect("recent");
    let last = recent
        .iter()
        .find(|r| r["function"] == "charge")
        .unwrap_or_else(|| panic!("no report of `charge`: {json:#}"));
    assert_eq!(last["message"], "card declined for order 1003", "{last:#}");
    assert_eq!(last["error_kind"], "declined", "{last:#}");

    let r = get(addr, "/errors?limit=many");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("`limit`"), "{}", r.text());
}
