use errmon_runtime::ErrorKind;

#[derive(Debug, ErrorKind)]
enum DbError {
    NotFound,
    #[error_kind = "x"]
    TimedOut,
}

fn main() {
    let _ = (DbError::NotFound, DbError::TimedOut);
}
