use errmon_runtime::ErrorKind;

#[derive(Debug)]
struct PlainError;

#[derive(Debug, ErrorKind)]
enum AppError {
    #[error_kind(transparent)]
    Plain(PlainError),
}

fn main() {
    let _ = AppError::Plain(PlainError);
}
