use errmon_runtime::ErrorKind;

#[derive(Debug, ErrorKind)]
#[error_kind("db")]
enum DbError {
    NotFound,
    TimedOut,
}

fn main() {
    let _ = (DbError::NotFound, DbError::TimedOut);
}
