//! How much memory a widget upload takes, natively: `cargo bench -p spindesk-tests --bench
//! upload_memory`.
//!
//! A counting global allocator records the live heap; each upload goes through the widget's
//! streamed route (`POST /api/widget/uploads`, the test harness handing the body over as a
//! stream, the files port on a SQLite file as under Spin) and the peak of the live heap above
//! what was live before the request is reported. The request's body itself is allocated
//! before that baseline (it stands in for the bytes still on the network); what is measured
//! is what the component holds: the piece it reads, the part it assembles (256 KiB), the
//! copies the SQL port makes of that part for the host call, and the request's headers and
//! answer. SQLite's own page cache is C memory outside this count (under Spin it lives in the
//! host, not the component).
//!
//! If the route buffered the file, the peak would grow with the file; it does not.
//!
//! Then the same for a file that comes in an e-mail: Postmark posts the whole e-mail as one JSON
//! body with each file inline in base64 (up to its 35 MB limit), so the channels component must
//! hold the body, the parsed JSON and each decoded file; the peak grows with the file, and this
//! says by how much.

// The e2e tests' Postmark helpers (their tests are not compiled into a bench).
#[path = "../e2e/email.rs"]
#[allow(dead_code, unused_imports)]
mod email;

use base64::Engine;
use spindesk_tests::json;
use spindesk_tests::{App, RequestBuilder};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    // Only `--bench` runs measure (cargo test runs benches in test mode too).
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let app = App::with_config(
        App::default_config()
            .with("attachment_max_bytes", "31457280")
            .with("widget_uploads_per_window", "100"),
    );
    let visitor = app.visitor("en");
    println!("{:>12} {:>14} {:>14}", "file bytes", "peak heap", "status");
    for mib in [1usize, 2, 5, 10, 20] {
        // A PNG header, then filler: sniffed as an image, stored as any file would be.
        let mut file = include_bytes!("../fixtures/attachments/parcel.png").to_vec();
        file.resize(mib * 1024 * 1024, 7);
        let request = app
            .request("widget", "POST", "/api/widget/uploads?filename=big.png")
            .bearer(&visitor.token)
            .body(file);
        measured(request, mib, 201);
    }
    emails();
}

/// Sends `request` (built beforehand: its body is not counted), prints the peak of the live
/// heap above what was live before it, and checks the answer's status.
fn measured(request: RequestBuilder<'_>, mib: usize, status: u16) {
    let baseline = LIVE.load(Ordering::SeqCst);
    PEAK.store(baseline, Ordering::SeqCst);
    let response = request.send();
    let peak = PEAK.load(Ordering::SeqCst) - baseline;
    println!(
        "{:>12} {:>14} {:>14}",
        mib * 1024 * 1024,
        peak,
        response.status
    );
    assert_eq!(response.status, status, "{}", response.text());
}

/// Peak heap of an inbound e-mail carrying one file of 1 to 20 MiB, through the channels
/// component's Postmark webhook (the e-mail's JSON body built before the baseline).
fn emails() {
    let app = App::with_config(
        App::default_config()
            .with("public_base_url", spindesk_tests::channels::PUBLIC_BASE)
            .with("attachment_max_bytes", "31457280"),
    );
    let integration = email::connect_email(&app);
    email::postmark_accepts(&app, 20);
    println!();
    println!(
        "{:>12} {:>14} {:>14}  (an e-mail with the file inline)",
        "file bytes", "peak heap", "status"
    );
    for mib in [1usize, 2, 5, 10, 20] {
        let mut file = include_bytes!("../fixtures/attachments/parcel.png").to_vec();
        file.resize(mib * 1024 * 1024, 7);
        let content = base64::engine::general_purpose::STANDARD.encode(&file);
        let mut body = email::inbound(
            "ada@customer.example",
            &format!("help@{}", email::DOMAIN),
            &format!("m{mib}@mail.customer.example"),
            None,
            "The photo",
        );
        body["Attachments"] = json!([{"Name": "big.png", "Content": content,
            "ContentType": "image/png", "ContentLength": file.len(), "ContentID": ""}]);
        let bytes = body.to_string().into_bytes();
        drop((body, file));
        let request = app
            .request(
                "channels",
                "POST",
                &format!("/webhooks/email/{integration}"),
            )
            .header("content-type", "application/json")
            .header(
                "authorization",
                &email::basic(email::HOOK_USER, email::HOOK_PASSWORD),
            )
            .body(bytes);
        measured(request, mib, 200);
    }
    let stored = app.count("SELECT count(*) FROM attachments WHERE status = 'stored'");
    assert_eq!(stored, 5, "every e-mail's file was stored");
}
