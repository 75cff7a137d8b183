//! Images of the skill's APL screen, fetched over HTTP the way a device does: a short timeout,
//! a size limit, only `http(s)`; what failed says why in a few words (it is drawn in the
//! image's place).

use std::time::Duration;

use super::{PeerError, transport};

/// A device gives up on an image after this long.
pub const IMAGE_TIMEOUT: Duration = Duration::from_secs(6);
/// Larger images are refused (APL documents should not send posters).
pub const MAX_IMAGE_BYTES: usize = 8 * 1024 * 1024;

/// The image client.
#[derive(Clone)]
pub struct Images {
    http: reqwest::Client,
}

impl Default for Images {
    fn default() -> Self {
        Images::new()
    }
}

impl Images {
    pub fn new() -> Images {
        Images {
            http: reqwest::Client::builder()
                .timeout(IMAGE_TIMEOUT)
                .user_agent(concat!(
                    "linkscreen/",
                    env!("CARGO_PKG_VERSION"),
                    " (APL image)"
                ))
                .build()
                .expect("a client without custom TLS builds"),
        }
    }

    /// The bytes of the image at `url`.
    pub async fn load(&self, url: &str) -> Result<Vec<u8>, PeerError> {
        let u = url::Url::parse(url).map_err(|_| PeerError::Protocol("not an URL".into()))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(PeerError::Protocol(format!(
                "{} images are not fetched",
                u.scheme()
            )));
        }
        let mut r = self.http.get(u).send().await.map_err(transport)?;
        if !r.status().is_success() {
            return Err(PeerError::Protocol(format!("HTTP {}", r.status().as_u16())));
        }
        if r.content_length()
            .is_some_and(|n| n as usize > MAX_IMAGE_BYTES)
        {
            return Err(PeerError::Protocol("larger than 8 MB".into()));
        }
        let mut body = vec![];
        while let Some(chunk) = r.chunk().await.map_err(transport)? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_IMAGE_BYTES {
                return Err(PeerError::Protocol("larger than 8 MB".into()));
            }
        }
        Ok(body)
    }
}
