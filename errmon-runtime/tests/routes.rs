//! The tables of routes of the README and of the endpoint's guide (`endpoint`'s docs) are the
//! routing table: the same paths, each needing the bearer token or not as the index says and
//! as the endpoint answers.
//!
//! A route added to the table needs a row in both (its path in backticks, `yes` or `no` for
//! the token); the third column is free text.

use errmon_runtime::Config;
use errmon_runtime::endpoint::Request;

/// The header of the tables of routes.
const TABLE: &str = "| route | needs the bearer token (when one is set) | serves |";

/// The documents holding a table of routes, by name.
const DOCUMENTS: [(&str, &str); 2] = [
    ("README", include_str!("../../README.md")),
    (
        "errmon-runtime/docs/endpoint.md",
        include_str!("../docs/endpoint.md"),
    ),
];

/// The rows of a document's table of routes: each path and whether it needs the token.
fn readme_routes(name: &str, readme: &str) -> Vec<(String, bool)> {
    let mut lines = readme.lines().skip_while(|l| l.trim() != TABLE);
    assert!(lines.next().is_some(), "{name}: no table starting {TABLE}");
    assert!(
        lines.next().is_some_and(|l| l.starts_with("|---")),
        "{name}: the routes table has no separator line"
    );
    lines
        .take_while(|l| l.starts_with('|'))
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
            let [path, token, _serves] = cells[..] else {
                panic!("{name}: a row of the routes table without three cells: {row}");
            };
            let path = path
                .strip_prefix('`')
                .and_then(|p| p.strip_suffix('`'))
                .unwrap_or_else(|| panic!("{name}: a route not in backticks: {row}"));
            let token = match token {
                "yes" => true,
                "no" => false,
                other => panic!("{name}: `{other}` for the token, not yes or no: {row}"),
            };
            (path.to_owned(), token)
        })
        .collect()
}

/// The routes the index lists: each path and whether it needs the token.
fn index_routes(index: &str) -> Vec<(String, bool)> {
    let mut lines = index.lines().skip_while(|l| !l.starts_with("path "));
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_else(|| panic!("the index has no header line:\n{index}"))
        .split_whitespace()
        .collect();
    assert_eq!(header, ["path", "token", "summary"], "{index}");
    lines
        .map(|l| {
            let mut words = l.split_whitespace();
            let (Some(path), Some(token)) = (words.next(), words.next()) else {
                panic!("an index line without a path and a token: {l:?}\n{index}");
            };
            (path.to_owned(), token == "yes")
        })
        .collect()
}

#[test]
fn the_readme_lists_the_routes_the_index_lists() {
    let endpoint = Config::default()
        .capture_facade(false)
        .bearer_token("s3cret")
        .endpoint()
        .expect("endpoint");
    let authorized = |method: &str, path: &str| {
        Request::new(method, path, None).header("authorization", b"Bearer s3cret")
    };
    let r = endpoint.answer(&authorized("GET", "/"));
    assert_eq!(r.status(), 200);
    let index = std::str::from_utf8(r.body()).expect("a text index");
    let mut listed = index_routes(index);
    assert!(listed.iter().any(|(p, _)| p == "/metrics"), "{index}");
    listed.sort();
    for (name, document) in DOCUMENTS {
        the_document_lists_the_routes_the_index_lists(
            &endpoint,
            &authorized,
            name,
            document,
            index,
            &listed,
        );
    }
}

fn the_document_lists_the_routes_the_index_lists(
    endpoint: &errmon_runtime::endpoint::Endpoint,
    authorized: &dyn Fn(&str, &str) -> Request,
    name: &str,
    document: &str,
    index: &str,
    listed: &[(String, bool)],
) {
    let mut readme = readme_routes(name, document);
    readme.sort();
    let missing: Vec<_> = listed.iter().filter(|r| !readme.contains(r)).collect();
    let extra: Vec<_> = readme.iter().filter(|r| !listed.contains(r)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{name}'s routes table differs from the index: rows to add or fix: {missing:?}, \
         rows to remove or fix: {extra:?}\nthe index:\n{index}"
    );
    assert_eq!(listed, readme);

    // The endpoint answers as both say: without the token, `401` exactly where it is needed.
    for (path, token) in &readme {
        let status = endpoint.answer(&Request::new("GET", path, None)).status();
        assert_eq!(
            status == 401,
            *token,
            "GET {path} without the token: {status}"
        );
        let status = endpoint.answer(&authorized("GET", path)).status();
        assert_ne!(status, 401, "GET {path} with the token");
        assert_ne!(status, 404, "GET {path} with the token");
    }
}
