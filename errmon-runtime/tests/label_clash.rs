//! A constant label of the `Config` with the name of a function's static label: Prometheus
//! rejects a series with a label twice, and with it the whole scrape, so installing (and
//! building a renderer) refuses it at start-up, naming the function and the label.

use errmon_runtime::{Config, InstallError, count_calls, monitored};

#[monitored(labels(service = "payments"))]
fn charge() -> Result<(), std::fmt::Error> {
    Ok(())
}

#[count_calls(labels(tier = "gold"))]
fn ping() {}

#[test]
fn a_constant_label_named_like_a_static_label_is_refused_naming_both() {
    let config = || {
        Config::default()
            .listen("127.0.0.1:0")
            .const_label("service", "billing")
    };
    let err = config().install().expect_err("the label clashes");
    assert!(matches!(err, InstallError::Config(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("constant label `service`")
            && msg.contains("static label `service` of function `charge`")
            && msg.contains("module `label_clash`"),
        "{msg}"
    );

    // The same check when the application serves /metrics itself.
    let err = config().validate().expect_err("the label clashes");
    assert!(err.to_string().contains("function `charge`"), "{err}");
    let err = config()
        .capture_facade(false)
        .install_recorder()
        .expect_err("the label clashes");
    assert!(err.to_string().contains("function `charge`"), "{err}");
    let err = errmon_runtime::export::render_prometheus(&config()).expect_err("clash");
    assert!(err.to_string().contains("function `charge`"), "{err}");

    // Other names are fine, and every series carries each label once.
    let _ = charge();
    ping();
    let renderer = errmon_runtime::export::Renderer::new(
        Config::default()
            .const_label("region", "eu")
            .validate()
            .expect("no clash"),
    );
    let body = renderer.render();
    assert!(
        body.lines().any(|l| l
            == r#"errmon_calls_total{function="charge",module="label_clash",service="payments",region="eu"} 1"#),
        "{body}"
    );
    for line in body.lines().filter(|l| !l.starts_with('#')) {
        let labels = line.split_once('{').map_or("", |(_, rest)| rest);
        let labels = labels.rsplit_once('}').map_or("", |(l, _)| l);
        let names: Vec<&str> = labels
            .split(',')
            .filter_map(|kv| kv.split_once('=').map(|(k, _)| k))
            .collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a label twice: {line}");
    }
}
