use errmon_runtime::ErrorKind;

#[derive(Debug, ErrorKind)]
enum DbError {
    #[error_severity("crit")]
    Corrupt,
    #[error_severity(critical)]
    Lost,
    #[error_severity("info")]
    #[error_severity("warning")]
    Busy,
}

fn main() {
    let _ = (DbError::Corrupt, DbError::Lost, DbError::Busy);
}
