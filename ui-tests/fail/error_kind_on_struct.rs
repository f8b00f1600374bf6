use errmon_runtime::ErrorKind;

#[derive(Debug, ErrorKind)]
struct DbError {
    code: u32,
}

fn main() {
    let _ = DbError { code: 1 }.code;
}
