//! Many `#[monitored]` functions, generated with `macro_rules!` for the whole-endpoint benches:
//! `tens!(leaf)` is 10 modules of 10 functions (100), `tens!(hundred)` 1,000 functions,
//! `tens!(thousand)` 10,000. Function `fI` of a module fails when `n % 13 == I`, so every function called with a
//! few values gets outcomes and an error series. Each level has `call_all(n)`.

use errmon_runtime::ErrorKind;

#[derive(Debug, ErrorKind)]
pub enum GeneratedError {
    Refused,
}

macro_rules! leaf {
    () => {
        leaf!(f0 0, f1 1, f2 2, f3 3, f4 4, f5 5, f6 6, f7 7, f8 8, f9 9);
    };
    ($($f:ident $i:literal),*) => {
        $(
            #[::errmon_runtime::monitored]
            pub fn $f(n: u64) -> Result<u64, crate::generate::GeneratedError> {
                if n % 13 == $i { Err(crate::generate::GeneratedError::Refused) } else { Ok(n) }
            }
        )*
        pub fn call_all(n: u64) {
            $( let _ = $f(n); )*
        }
    };
}

macro_rules! tens {
    ($inner:ident) => {
        pub mod m0 {
            $inner!();
        }
        pub mod m1 {
            $inner!();
        }
        pub mod m2 {
            $inner!();
        }
        pub mod m3 {
            $inner!();
        }
        pub mod m4 {
            $inner!();
        }
        pub mod m5 {
            $inner!();
        }
        pub mod m6 {
            $inner!();
        }
        pub mod m7 {
            $inner!();
        }
        pub mod m8 {
            $inner!();
        }
        pub mod m9 {
            $inner!();
        }
        pub fn call_all(n: u64) {
            m0::call_all(n);
            m1::call_all(n);
            m2::call_all(n);
            m3::call_all(n);
            m4::call_all(n);
            m5::call_all(n);
            m6::call_all(n);
            m7::call_all(n);
            m8::call_all(n);
            m9::call_all(n);
        }
    };
}

macro_rules! hundred {
    () => {
        tens!(leaf);
    };
}

#[allow(
    unused_macros,
    reason = "slow_clients.rs stops at a thousand functions"
)]
macro_rules! thousand {
    () => {
        tens!(hundred);
    };
}
