use errmon_runtime::timed;

#[timed]
#[timed(name = "render_page")]
fn render(page: &str) -> String {
    page.to_uppercase()
}

fn main() {
    let _ = render("home");
}
