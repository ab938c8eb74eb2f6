//! Every answer in JSON or XML (pure). XML follows the specification's element names
//! (`services/service`, `service_definition/attributes/attribute/values/value`,
//! `service_requests/request`, `errors/error`), starts with a UTF-8 declaration, and is
//! written by quick-xml's serde serializer, which escapes text.

use super::requests::{Posted, ServiceRequest};
use super::services::{AttributeOut, Definition, Discovery, Service};
use super::{Format, Open311Error};
use serde::Serialize;

const PROLOG: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

fn xml<T: Serialize>(root: &str, value: &T) -> String {
    match quick_xml::se::to_string_with_root(root, value) {
        Ok(body) => format!("{PROLOG}{body}"),
        // Our own structs always serialize; keep the document well-formed regardless.
        Err(e) => {
            tracing::error!(error = %e, "open311 XML serialization failed");
            format!("{PROLOG}<errors><error><code>500</code><description>internal</description></error></errors>")
        }
    }
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

/// The discovery document.
pub fn discovery(format: Format, d: &Discovery) -> String {
    #[derive(Serialize)]
    struct Formats<'a> {
        format: &'a [&'static str],
    }
    #[derive(Serialize)]
    struct Endpoint<'a> {
        specification: &'a str,
        url: &'a str,
        changeset: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
        formats: Formats<'a>,
    }
    #[derive(Serialize)]
    struct Endpoints<'a> {
        endpoint: Vec<Endpoint<'a>>,
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        changeset: &'a str,
        contact: &'a str,
        key_service: &'a str,
        endpoints: Endpoints<'a>,
    }
    match format {
        Format::Json => json(d),
        Format::Xml => xml(
            "discovery",
            &Doc {
                changeset: &d.changeset,
                contact: &d.contact,
                key_service: &d.key_service,
                endpoints: Endpoints {
                    endpoint: d
                        .endpoints
                        .iter()
                        .map(|e| Endpoint {
                            specification: e.specification,
                            url: &e.url,
                            changeset: &e.changeset,
                            kind: e.kind,
                            formats: Formats { format: &e.formats },
                        })
                        .collect(),
                },
            },
        ),
    }
}

/// The service list.
pub fn services(format: Format, list: &[Service]) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        service: &'a [Service],
    }
    match format {
        Format::Json => json(&list),
        Format::Xml => xml("services", &Doc { service: list }),
    }
}

/// A service definition.
pub fn definition(format: Format, d: &Definition) -> String {
    #[derive(Serialize)]
    struct Values<'a> {
        value: &'a [super::config::Value],
    }
    #[derive(Serialize)]
    struct Attribute<'a> {
        variable: bool,
        code: &'a str,
        datatype: &'a str,
        required: bool,
        datatype_description: &'a str,
        order: u32,
        description: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        values: Option<Values<'a>>,
    }
    #[derive(Serialize)]
    struct Attributes<'a> {
        attribute: Vec<Attribute<'a>>,
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        service_code: &'a str,
        attributes: Attributes<'a>,
    }
    fn attribute(a: &AttributeOut) -> Attribute<'_> {
        Attribute {
            variable: a.variable,
            code: &a.code,
            datatype: &a.datatype,
            required: a.required,
            datatype_description: a.datatype_description.as_deref().unwrap_or(""),
            order: a.order,
            description: &a.description,
            values: (!a.values.is_empty()).then_some(Values { value: &a.values }),
        }
    }
    match format {
        Format::Json => json(d),
        Format::Xml => xml(
            "service_definition",
            &Doc {
                service_code: &d.service_code,
                attributes: Attributes {
                    attribute: d.attributes.iter().map(attribute).collect(),
                },
            },
        ),
    }
}

/// Service requests (`GET requests`, `GET requests/{id}`).
pub fn requests(format: Format, list: &[ServiceRequest]) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        request: &'a [ServiceRequest],
    }
    match format {
        Format::Json => json(&list),
        Format::Xml => xml("service_requests", &Doc { request: list }),
    }
}

/// The answer to `POST requests`.
pub fn posted(format: Format, list: &[Posted]) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        request: &'a [Posted],
    }
    match format {
        Format::Json => json(&list),
        Format::Xml => xml("service_requests", &Doc { request: list }),
    }
}

/// One error of an Open311 error list (the JSON answer is a list of these).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorItem<'a> {
    /// The HTTP status: 400, 403, 404, 429 or 503.
    pub code: u16,
    /// What was wrong.
    pub description: &'a str,
}

/// An error as the specification has it: a list of `{code, description}`.
pub fn errors(format: Format, e: &Open311Error) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        error: &'a [ErrorItem<'a>],
    }
    let one = [ErrorItem {
        code: e.status,
        description: &e.description,
    }];
    match format {
        Format::Json => json(&one),
        Format::Xml => xml("errors", &Doc { error: &one }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_errors_are_escaped_and_declared() {
        let e = Open311Error::bad("<bad> & \"井盖\"");
        let x = errors(Format::Xml, &e);
        assert!(
            x.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
            "{x}"
        );
        assert!(
            x.contains("<errors><error><code>400</code><description>&lt;bad&gt; &amp;"),
            "{x}"
        );
        assert!(x.contains("井盖"), "{x}");
        let j: serde_json::Value = serde_json::from_str(&errors(Format::Json, &e)).unwrap();
        assert_eq!(j[0]["code"], 400);
    }

    #[test]
    fn lists_repeat_their_element() {
        let s = |c: &str| Service {
            service_code: c.into(),
            service_name: "路灯故障".into(),
            description: String::new(),
            metadata: true,
            kind: "realtime",
            keywords: "路灯,不亮".into(),
            group: "城市治理".into(),
        };
        let x = services(Format::Xml, &[s("A"), s("B")]);
        assert!(
            x.contains("<services><service><service_code>A</service_code>"),
            "{x}"
        );
        assert!(x.contains("<type>realtime</type>"), "{x}");
        assert_eq!(x.matches("<service>").count(), 2, "{x}");
    }
}
