use errmon_runtime::timed;

#[timed(buckets = "exponential")]
fn render(page: &str) -> String {
    page.to_uppercase()
}

fn main() {
    let _ = render("home");
}
