//! Request methods as a label: a fixed list, so a client inventing methods adds no series.

/// A request method as the `method` label shows it: the nine methods of RFC 9110 and
/// RFC 5789, and [`Method::Other`] (`_OTHER`, as OpenTelemetry names it) for any other.
///
/// ```
/// use errmon_runtime::http::Method;
///
/// assert_eq!(Method::parse("GET"), Method::Get);
/// assert_eq!(Method::parse("PROPFIND").as_str(), "_OTHER");
/// // Methods are case-sensitive (RFC 9110 §9.1).
/// assert_eq!(Method::parse("get"), Method::Other);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `CONNECT`
    Connect,
    /// `DELETE`
    Delete,
    /// `GET`
    Get,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
    /// `PATCH`
    Patch,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `TRACE`
    Trace,
    /// Any other method: `_OTHER`.
    Other,
}

impl Method {
    /// Every method, in the order of their labels.
    pub const ALL: [Method; 10] = [
        Method::Connect,
        Method::Delete,
        Method::Get,
        Method::Head,
        Method::Options,
        Method::Patch,
        Method::Post,
        Method::Put,
        Method::Trace,
        Method::Other,
    ];

    /// The method named `name` (case-sensitive), or [`Method::Other`].
    pub fn parse(name: &str) -> Method {
        match name {
            "CONNECT" => Method::Connect,
            "DELETE" => Method::Delete,
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            "PATCH" => Method::Patch,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "TRACE" => Method::Trace,
            _ => Method::Other,
        }
    }

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Connect => "CONNECT",
            Method::Delete => "DELETE",
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Patch => "PATCH",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Trace => "TRACE",
            Method::Other => "_OTHER",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Method;

    #[test]
    fn every_method_parses_back_from_its_label() {
        for m in Method::ALL {
            if m != Method::Other {
                assert_eq!(Method::parse(m.as_str()), m);
            }
        }
        assert_eq!(Method::parse("_OTHER"), Method::Other);
        assert_eq!(Method::parse(""), Method::Other);
        let mut sorted = Method::ALL.map(Method::as_str);
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            Method::ALL.map(Method::as_str),
            "ALL is in label order"
        );
    }
}
