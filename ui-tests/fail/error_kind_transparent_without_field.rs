use errmon_runtime::ErrorKind;

#[derive(Debug, ErrorKind)]
enum AppError {
    #[error_kind(transparent)]
    Config,
    #[error_kind(transparent)]
    Pair(std::fmt::Error, std::fmt::Error),
}

fn main() {
    let _ = AppError::Config;
    let _ = AppError::Pair(std::fmt::Error, std::fmt::Error);
}
