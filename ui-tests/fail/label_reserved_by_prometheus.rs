use errmon_runtime::timed;

#[timed(labels(le = "0.5"))]
fn render(page: &str) -> String {
    page.to_uppercase()
}

fn main() {
    let _ = render("home");
}
