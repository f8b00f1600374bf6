//! The `error_kind` label: the [`ErrorKind`] trait, and its implementations for the error types
//! of `std` whose kinds are bounded and known.

use std::io;
use std::num::{IntErrorKind, ParseFloatError, ParseIntError, TryFromIntError};
use std::str::{ParseBoolError, Utf8Error};
use std::string::FromUtf8Error;
use std::sync::mpsc;

/// A bounded, stable name for each kind of error, used as the `error_kind` label.
///
/// Derive it on an error enum to label each error with its variant name in `snake_case`
/// (`#[error_kind("...")]` on a variant overrides it), or implement it by hand. Errors whose
/// type does not implement it are labelled `error_kind="unknown"`; their messages never become
/// labels.
///
/// ```
/// #[derive(Debug, errmon_runtime::ErrorKind)]
/// enum FetchError {
///     TimedOut,
///     #[error_kind("http_5xx")]
///     ServerError(u16),
/// }
///
/// use errmon_runtime::ErrorKind as _;
/// assert_eq!(FetchError::TimedOut.error_kind(), "timed_out");
/// assert_eq!(FetchError::ServerError(503).error_kind(), "http_5xx");
/// ```
///
/// # Errors of `std`
///
/// Common `std` error types whose kinds form a small fixed set implement it:
///
/// | type | kinds |
/// |---|---|
/// | [`std::io::Error`], [`std::io::ErrorKind`] | the `io::ErrorKind` in `snake_case`: `not_found`, `permission_denied`, `connection_refused`, `timed_out`, `unexpected_eof`, ...; `other` for kinds added to `std` later |
/// | [`std::num::ParseIntError`] | `empty`, `invalid_digit`, `pos_overflow`, `neg_overflow`, `zero`, `other` |
/// | [`std::num::ParseFloatError`] | `invalid_float` |
/// | [`std::num::TryFromIntError`] | `out_of_range` |
/// | [`std::str::ParseBoolError`] | `invalid_bool` |
/// | [`std::str::Utf8Error`], [`std::string::FromUtf8Error`] | `invalid_utf8`, `incomplete_utf8` |
/// | `std::sync::mpsc` errors | `disconnected`, `timeout`, `empty`, `full` |
///
/// ```
/// use errmon_runtime::ErrorKind as _;
///
/// let missing = std::fs::File::open("/no/such/file").unwrap_err();
/// assert_eq!(missing.error_kind(), "not_found");
/// assert_eq!("x1".parse::<u8>().unwrap_err().error_kind(), "invalid_digit");
/// ```
///
/// # `anyhow::Error`, `Box<dyn Error>`
///
/// A type-erased error gets `error_kind="unknown"` (and `error_type` `Error` or
/// `Box<dyn Error>`): the kind is chosen from the error's static type, on the hot path, and an
/// erased error has none to choose from; guessing from the message would make labels
/// unbounded. To count such errors by kind, return the application's own error type with
/// `#[derive(ErrorKind)]`; a variant that wraps another `ErrorKind` type (an `io::Error`, a
/// library's error) takes its kind with `#[error_kind(transparent)]`.
pub trait ErrorKind {
    /// The kind of this error: a `&'static str` from a fixed set, never a message.
    fn error_kind(&self) -> &'static str;

    /// The severity of this error's reports, when the error decides it (a variant that is
    /// only ever a warning); `None`, the default, leaves it to the function (`error` unless
    /// it says otherwise).
    ///
    /// ```
    /// use errmon_runtime::errors::Severity;
    ///
    /// #[derive(Debug)]
    /// enum CacheError {
    ///     Miss,
    ///     Corrupt,
    /// }
    ///
    /// impl errmon_runtime::ErrorKind for CacheError {
    ///     fn error_kind(&self) -> &'static str {
    ///         match self {
    ///             CacheError::Miss => "miss",
    ///             CacheError::Corrupt => "corrupt",
    ///         }
    ///     }
    ///     fn error_severity(&self) -> Option<Severity> {
    ///         match self {
    ///             CacheError::Miss => Some(Severity::Info),
    ///             CacheError::Corrupt => Some(Severity::Critical),
    ///         }
    ///     }
    /// }
    /// ```
    fn error_severity(&self) -> Option<crate::errors::Severity> {
        None
    }
}

impl<E: ErrorKind + ?Sized> ErrorKind for &E {
    fn error_kind(&self) -> &'static str {
        (**self).error_kind()
    }
    fn error_severity(&self) -> Option<crate::errors::Severity> {
        (**self).error_severity()
    }
}

impl<E: ErrorKind + ?Sized> ErrorKind for Box<E> {
    fn error_kind(&self) -> &'static str {
        (**self).error_kind()
    }
    fn error_severity(&self) -> Option<crate::errors::Severity> {
        (**self).error_severity()
    }
}

impl ErrorKind for io::Error {
    fn error_kind(&self) -> &'static str {
        self.kind().error_kind()
    }
}

impl ErrorKind for io::ErrorKind {
    fn error_kind(&self) -> &'static str {
        use io::ErrorKind as K;
        // Only kinds stable in the crate's minimum Rust (1.85); later ones are `other` until
        // they are listed here, so the label's values stay a fixed set.
        match self {
            K::NotFound => "not_found",
            K::PermissionDenied => "permission_denied",
            K::ConnectionRefused => "connection_refused",
            K::ConnectionReset => "connection_reset",
            K::HostUnreachable => "host_unreachable",
            K::NetworkUnreachable => "network_unreachable",
            K::ConnectionAborted => "connection_aborted",
            K::NotConnected => "not_connected",
            K::AddrInUse => "addr_in_use",
            K::AddrNotAvailable => "addr_not_available",
            K::NetworkDown => "network_down",
            K::BrokenPipe => "broken_pipe",
            K::AlreadyExists => "already_exists",
            K::WouldBlock => "would_block",
            K::NotADirectory => "not_a_directory",
            K::IsADirectory => "is_a_directory",
            K::DirectoryNotEmpty => "directory_not_empty",
            K::ReadOnlyFilesystem => "read_only_filesystem",
            K::StaleNetworkFileHandle => "stale_network_file_handle",
            K::InvalidInput => "invalid_input",
            K::InvalidData => "invalid_data",
            K::TimedOut => "timed_out",
            K::WriteZero => "write_zero",
            K::StorageFull => "storage_full",
            K::NotSeekable => "not_seekable",
            K::QuotaExceeded => "quota_exceeded",
            K::FileTooLarge => "file_too_large",
            K::ResourceBusy => "resource_busy",
            K::ExecutableFileBusy => "executable_file_busy",
            K::Deadlock => "deadlock",
            K::CrossesDevices => "crosses_devices",
            K::TooManyLinks => "too_many_links",
            K::ArgumentListTooLong => "argument_list_too_long",
            K::Interrupted => "interrupted",
            K::Unsupported => "unsupported",
            K::UnexpectedEof => "unexpected_eof",
            K::OutOfMemory => "out_of_memory",
            _ => "other",
        }
    }
}

impl ErrorKind for ParseIntError {
    fn error_kind(&self) -> &'static str {
        match self.kind() {
            IntErrorKind::Empty => "empty",
            IntErrorKind::InvalidDigit => "invalid_digit",
            IntErrorKind::PosOverflow => "pos_overflow",
            IntErrorKind::NegOverflow => "neg_overflow",
            IntErrorKind::Zero => "zero",
            _ => "other",
        }
    }
}

/// Implements [`ErrorKind`] for types with a single kind.
macro_rules! one_kind {
    ($($ty:ty => $kind:literal,)*) => {$(
        impl ErrorKind for $ty {
            fn error_kind(&self) -> &'static str {
                $kind
            }
        }
    )*};
}

one_kind! {
    ParseFloatError => "invalid_float",
    TryFromIntError => "out_of_range",
    ParseBoolError => "invalid_bool",
    mpsc::RecvError => "disconnected",
}

impl ErrorKind for Utf8Error {
    fn error_kind(&self) -> &'static str {
        // `error_len() == None`: the input ended inside a character, which more input may fix.
        if self.error_len().is_some() {
            "invalid_utf8"
        } else {
            "incomplete_utf8"
        }
    }
}

impl ErrorKind for FromUtf8Error {
    fn error_kind(&self) -> &'static str {
        self.utf8_error().error_kind()
    }
}

impl<T> ErrorKind for mpsc::SendError<T> {
    fn error_kind(&self) -> &'static str {
        "disconnected"
    }
}

impl<T> ErrorKind for mpsc::TrySendError<T> {
    fn error_kind(&self) -> &'static str {
        match self {
            mpsc::TrySendError::Full(_) => "full",
            mpsc::TrySendError::Disconnected(_) => "disconnected",
        }
    }
}

impl ErrorKind for mpsc::TryRecvError {
    fn error_kind(&self) -> &'static str {
        match self {
            mpsc::TryRecvError::Empty => "empty",
            mpsc::TryRecvError::Disconnected => "disconnected",
        }
    }
}

impl ErrorKind for mpsc::RecvTimeoutError {
    fn error_kind(&self) -> &'static str {
        match self {
            mpsc::RecvTimeoutError::Timeout => "timeout",
            mpsc::RecvTimeoutError::Disconnected => "disconnected",
        }
    }
}

/// The kind of an error whose type has none (no [`ErrorKind`] impl, or a type-erased error).
pub(crate) const UNKNOWN: &str = "unknown";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_errors_have_their_kinds() {
        assert_eq!(
            io::Error::from(io::ErrorKind::TimedOut).error_kind(),
            "timed_out"
        );
        assert_eq!(io::Error::other("x").error_kind(), "other");
        assert_eq!("".parse::<i32>().unwrap_err().error_kind(), "empty");
        assert_eq!(
            "300".parse::<u8>().unwrap_err().error_kind(),
            "pos_overflow"
        );
        assert_eq!(
            "-300".parse::<i8>().unwrap_err().error_kind(),
            "neg_overflow"
        );
        assert_eq!(
            "x".parse::<f64>().unwrap_err().error_kind(),
            "invalid_float"
        );
        assert_eq!(
            u8::try_from(300u32).unwrap_err().error_kind(),
            "out_of_range"
        );
        assert_eq!(
            "yes".parse::<bool>().unwrap_err().error_kind(),
            "invalid_bool"
        );
        let bad = String::from_utf8(vec![b'a', 0xff]).unwrap_err();
        assert_eq!(bad.error_kind(), "invalid_utf8");
        let cut = String::from_utf8(vec![0xe2, 0x82]).unwrap_err();
        assert_eq!(cut.error_kind(), "incomplete_utf8");
        let (tx, rx) = mpsc::sync_channel::<u8>(0);
        assert_eq!(rx.try_recv().unwrap_err().error_kind(), "empty");
        assert_eq!(tx.try_send(1).unwrap_err().error_kind(), "full");
        drop(rx);
        assert_eq!(tx.send(1).unwrap_err().error_kind(), "disconnected");
    }
}
