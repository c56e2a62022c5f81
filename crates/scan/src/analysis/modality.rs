//! What a generation endpoint outputs — text, image, audio or video — decided from its route,
//! request type, handler name and generation calls, so that a control scoped to some
//! modalities (CN-GAI-12.1: a visible label on images, audio and video) is judged only on the
//! endpoints that produce them.
//!
//! Each source names the modalities its words name (`/v1/images/generations` and
//! `images().create` name image; `/v1/chat/completions`, `ChatCompletionRequest` and
//! `post("{}/chat/completions")` text; `/v1/audio/speech` audio; a transcription is text).
//! The endpoint's modalities are the union of what every source names: a chat route whose
//! handler also calls `images().generate` outputs text and image. An endpoint no source
//! speaks for is undecided, and is judged on every modality the profile declares, as before.

use std::collections::BTreeSet;

use genai_gate_policy::Modality;

use super::generation::words;

/// The modalities the words of one identifier, route or call label name.
///
/// ```
/// use genai_gate_policy::Modality;
/// use genai_gate_scan::analysis::modality::named;
/// assert_eq!(named("/v1/images/generations"), [Modality::Image]);
/// assert_eq!(named("/v1/chat/completions"), [Modality::Text]);
/// assert_eq!(named("/v1/audio/transcriptions"), [Modality::Text]);
/// assert_eq!(named("post(\"{}/chat/completions\")"), [Modality::Text]);
/// assert_eq!(named("dashscope::ImageSynthesis::call"), [Modality::Image]);
/// assert!(named("/generate").is_empty());
/// ```
pub fn named(text: &str) -> Vec<Modality> {
    let ws = words(text);
    let has = |list: &[&str]| ws.iter().any(|w| list.contains(&w.as_str()));
    let mut out = Vec::new();
    // Speech to text, and text translation, output text.
    let to_text = has(&[
        "transcription",
        "transcriptions",
        "transcribe",
        "translation",
        "translations",
        "asr",
        "stt",
    ]);
    if to_text
        || has(&[
            "chat",
            "chats",
            "completion",
            "completions",
            "chatcompletions",
            "chatcompletion",
            "text",
            "llm",
        ])
    {
        out.push(Modality::Text);
    }
    if has(&[
        "image",
        "images",
        "img",
        "txt2img",
        "img2img",
        "text2image",
        "t2i",
        "picture",
        "pictures",
        "diffusion",
        "dalle",
        "draw",
        "painting",
    ]) {
        out.push(Modality::Image);
    }
    if !to_text
        && has(&[
            "speech",
            "tts",
            "audio",
            "voice",
            "music",
            "song",
            "t2a",
            "text2speech",
        ])
    {
        out.push(Modality::Audio);
    }
    if has(&["video", "videos", "t2v", "text2video", "i2v"]) {
        out.push(Modality::Video);
    }
    out
}

/// The output modalities of a generation endpoint, from its route, the types of its handler's
/// parameters, the handler's name and the labels of its generation calls; empty when no source
/// names any (the endpoint is then judged on every modality of the profile).
///
/// ```
/// use genai_gate_policy::Modality;
/// use genai_gate_scan::analysis::modality::decide;
/// let chat = decide("/v1/chat/completions", ["State AppState", "Json ChatRequest"], "chat", ["chat().create_stream"]);
/// assert_eq!(chat, [Modality::Text]);
/// let both = decide("/v1/chat/completions", [], "chat", ["chat().create", "images().generate"]);
/// assert_eq!(both, [Modality::Text, Modality::Image]);
/// assert!(decide("/v1/run", [], "run", ["send(EngineRequest::Generate)"]).is_empty());
/// ```
pub fn decide<'a>(
    route: &str,
    params: impl IntoIterator<Item = &'a str>,
    handler: &str,
    sites: impl IntoIterator<Item = &'a str>,
) -> Vec<Modality> {
    let mut out = BTreeSet::new();
    out.extend(named(route));
    for p in params {
        // Only the request's own type speaks (`Json ChatRequest`), not the state or wrappers.
        for name in p.split(' ').filter(|n| is_request(n)) {
            out.extend(named(name));
        }
    }
    out.extend(named(handler));
    for s in sites {
        out.extend(named(s));
    }
    // In declaration order: text, image, audio, video.
    out.into_iter().collect()
}

/// A type name that reads as a request (`ChatCompletionRequest`, `ImagePayload`).
fn is_request(name: &str) -> bool {
    words(name).last().is_some_and(|w| {
        matches!(
            w.as_str(),
            "request" | "req" | "params" | "payload" | "body" | "input" | "args"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_of_real_services_name_their_output() {
        for (route, want) in [
            ("/v1/images/generations", vec![Modality::Image]),
            ("/v1/images/edits", vec![Modality::Image]),
            ("/sdapi/v1/txt2img", vec![Modality::Image]),
            ("/v1/audio/speech", vec![Modality::Audio]),
            ("/v1/audio/translations", vec![Modality::Text]),
            ("/v1/audio/transcriptions", vec![Modality::Text]),
            ("/v1/completions", vec![Modality::Text]),
            ("/api/chat", vec![Modality::Text]),
            ("/v1/video/generations", vec![Modality::Video]),
            ("/generate", vec![]),
            ("/v1/messages", vec![]),
        ] {
            assert_eq!(named(route), want, "{route}");
        }
    }

    #[test]
    fn a_state_type_says_nothing_of_the_output() {
        assert!(decide("/run", ["State ImageStore"], "run", []).is_empty());
        assert_eq!(
            decide("/run", ["Json CreateImageRequest"], "run", []),
            [Modality::Image]
        );
    }
}
