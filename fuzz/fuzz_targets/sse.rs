//! The status push stream (`text/event-stream`) as the gateway's watcher reads it,
//! cut into chunks where the fuzzer chooses: parsing never panics, never holds more
//! than its cap, and the events do not depend on where the chunks were cut.
#![no_main]
use alc_gateway::status::sse::SseParser;
use libfuzzer_sys::fuzz_target;

const CAP: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    let mut whole = SseParser::new(CAP);
    let at_once = whole.push(stream);
    let mut parts = SseParser::new(CAP);
    let step = usize::from(cut % 7) + 1;
    let mut events = Vec::new();
    let mut failed = false;
    for chunk in stream.chunks(step) {
        match parts.push(chunk) {
            Ok(e) => events.extend(e),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    match at_once {
        Ok(e) if !failed => assert_eq!(e, events, "chunking changes nothing"),
        _ => {}
    }
    for e in &events {
        assert!(e.data.len() <= CAP && e.event.len() <= CAP);
    }
});
