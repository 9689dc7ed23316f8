//! E-mail over SMTP (lettre): `smtp://host:25` in the clear (a relay on the local network),
//! `smtp://…?tls=required` for STARTTLS, `smtps://host:465` for TLS from the start; user and
//! password in the URL when the server wants them.

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

#[derive(Clone)]
pub(super) struct Smtp {
    url: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    pub(super) fn new(url: &str, from: &str) -> anyhow::Result<Smtp> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("smtp_from '{from}' is not an e-mail address: {e}"))?;
        let transport = Self::transport(url, Duration::from_secs(10))?;
        Ok(Smtp {
            url: url.to_string(),
            transport,
            from,
        })
    }

    fn transport(
        url: &str,
        timeout: Duration,
    ) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| {
            anyhow::anyhow!(
                "smtp_url '{}' is not usable: {e}",
                crate::configuration::redact(url)
            )
        })?;
        Ok(builder.timeout(Some(timeout)).build())
    }

    pub(super) fn set_timeout(&mut self, timeout: Duration) {
        if let Ok(t) = Self::transport(&self.url, timeout) {
            self.transport = t;
        }
    }

    /// Sends a plain-text message to `to`. Its Message-ID is derived from the delivery, so a
    /// repeated delivery is recognisably the same message.
    pub(super) async fn send(
        &self,
        delivery: i64,
        to: &str,
        subject: &str,
        text: String,
    ) -> Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| "the channel's address is not an e-mail address".to_string())?;
        let domain = self.from.email.domain().to_string();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<steward-delivery-{delivery}@{domain}>")))
            .header(ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| format!("could not build the message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}
