//! `mashang open311 keys create NAME | list | revoke NAME`: integrators' API keys. `create`
//! prints the key once; only its SHA-256 is stored.

use crate::config::Settings;
use crate::open311::keys;

/// Create a key and print it (the only time it is shown).
pub async fn create(settings: &Settings, name: &str) -> anyhow::Result<()> {
    let mut conn = super::connect(settings).await?;
    let (key, secret) = keys::create(&mut conn, name, None)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.public_message().unwrap_or(e.code.as_str())))?;
    eprintln!(
        "Open311 key {} created; it is shown only now, store it safely:",
        key.name
    );
    println!("{secret}");
    Ok(())
}

/// List the keys (names and dates, never the keys).
pub async fn list(settings: &Settings) -> anyhow::Result<()> {
    let mut conn = super::connect(settings).await?;
    let list = keys::list(&mut conn)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    println!("name\tcreated\tlast_used\tstatus");
    for k in list {
        let status = match k.revoked_at {
            Some(t) => format!("revoked {}", t.to_rfc3339()),
            None => "live".into(),
        };
        println!(
            "{}\t{}\t{}\t{status}",
            k.name,
            k.created_at.to_rfc3339(),
            k.last_used_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "-".into()),
        );
    }
    Ok(())
}

/// Revoke the live key named `name` (non-zero exit when there is none).
pub async fn revoke(settings: &Settings, name: &str) -> anyhow::Result<()> {
    let mut conn = super::connect(settings).await?;
    let key = keys::revoke(&mut conn, name)
        .await
        .map_err(|_| anyhow::anyhow!("no live Open311 key named {name}"))?;
    println!("Open311 key {} revoked", key.name);
    Ok(())
}
