use errmon_runtime::retry;

struct Pool;

#[retry]
impl Pool {
    fn get(&self) -> Result<u32, String> {
        Ok(1)
    }

    fn size(&self) -> usize {
        1
    }
}

fn main() {
    let _ = Pool.get();
    let _ = Pool.size();
}
