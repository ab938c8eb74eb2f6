//! Photo uploads: any bytes through the header checks and, when they pass, the decode.
//! The memory budget is the contract: whatever the estimate accepts must decode within
//! it (run.sh sets -malloc_limit_mb just above the budget), and whatever is refused is
//! refused from the header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mashang_fuzz::photos::{decode, probe, PhotoLimits};

fuzz_target!(|data: &[u8]| {
    let limits = PhotoLimits::default();
    let Ok(plan) = probe(data, &limits) else {
        return;
    };
    assert!(plan.cost <= limits.memory_budget);
    assert!(plan.width <= limits.max_width && plan.height <= limits.max_height);
    if let Ok(photo) = decode(data, &limits, &plan) {
        assert!(photo.width.max(photo.height) <= limits.max_side);
        assert!(photo.width >= 1 && photo.height >= 1);
        assert!(photo.jpeg.starts_with(&[0xFF, 0xD8]));
        assert_eq!(photo.sha256.len(), 64);
    }
});
