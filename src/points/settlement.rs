//! Merchant settlement: what each participating shop has taken in points, what the community
//! has paid it (merchant → settled), and what is still owed, in points and in yuan at the
//! community's rate; as a table for the console and as an XLSX statement.

use crate::config::PointsSettings;
use crate::error::AppResult;
use crate::i18n::{translate, Locale};
use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;

/// One shop's line on the statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub shop_id: i64,
    pub shop_name: String,
    pub community_code: String,
    pub community_name: String,
    /// Points captured at the counter in the period.
    pub taken: i64,
    /// Points the community paid the shop in the period.
    pub settled: i64,
    /// Points still owed now (the merchant account's balance).
    pub outstanding: i64,
    /// Yuan per point in the shop's community.
    pub rate: f64,
}

impl Line {
    /// What is owed, in yuan (rounded to the fen).
    pub fn outstanding_yuan(&self) -> f64 {
        (self.outstanding as f64 * self.rate * 100.0).round() / 100.0
    }
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    shop_id: i64,
    #[diesel(sql_type = Text)]
    shop_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    community_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    community_name: Option<String>,
    #[diesel(sql_type = BigInt)]
    taken: i64,
    #[diesel(sql_type = BigInt)]
    settled: i64,
    #[diesel(sql_type = BigInt)]
    outstanding: i64,
}

/// The statement for [from, to): every shop that accepts points or has points to settle.
pub async fn statement(
    conn: &mut AsyncPgConnection,
    cfg: &PointsSettings,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<Line>> {
    // The community is the second id on the shop's grid path ('/street/community/compound/').
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT s.id AS shop_id, s.name AS shop_name, c.code AS community_code, \
                c.name AS community_name, \
                COALESCE((SELECT sum(t.amount) FROM points_transfers t \
                          WHERE t.kind = 'capture' AND t.to_account = 'merchant:' || s.id \
                            AND t.created_at >= $1 AND t.created_at < $2), 0)::bigint AS taken, \
                COALESCE((SELECT sum(t.amount) FROM points_transfers t \
                          WHERE t.kind = 'settle' AND t.from_account = 'merchant:' || s.id \
                            AND t.created_at >= $1 AND t.created_at < $2), 0)::bigint AS settled, \
                COALESCE(a.balance, 0)::bigint AS outstanding \
         FROM shops s \
         JOIN grids g ON g.id = s.grid_id \
         LEFT JOIN grids c ON c.id = NULLIF(split_part(g.path, '/', 3), '')::bigint \
         LEFT JOIN points_accounts a ON a.id = 'merchant:' || s.id \
         WHERE s.accepts_points OR COALESCE(a.balance, 0) <> 0 \
            OR EXISTS (SELECT 1 FROM points_transfers t WHERE t.to_account = 'merchant:' || s.id) \
         ORDER BY c.code NULLS LAST, s.name, s.id",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let code = r.community_code.unwrap_or_default();
            Line {
                rate: cfg.rate_for(&code),
                shop_id: r.shop_id,
                shop_name: r.shop_name,
                community_code: code,
                community_name: r.community_name.unwrap_or_default(),
                taken: r.taken,
                settled: r.settled,
                outstanding: r.outstanding,
            }
        })
        .collect())
}

/// The statement as a workbook in `locale`: one row per shop and a total row.
pub fn xlsx(
    lines: &[Line],
    period: &str,
    locale: Locale,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let w = |key: &str| translate(locale, &format!("xlsx.settlement.{key}"), &[]);
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let ws = wb.add_worksheet();
    ws.set_name(w("sheet"))?;
    let title = translate(
        locale,
        "xlsx.settlement.title",
        &[("period", period.to_owned())],
    );
    ws.write_string_with_format(0, 0, title, &bold)?;
    let headers = [
        "shop_id",
        "shop_name",
        "community_code",
        "community",
        "taken",
        "settled",
        "outstanding",
        "rate",
        "outstanding_yuan",
    ]
    .map(|k| w(&format!("col.{k}")));
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, h, &bold)?;
    }
    let mut row = 3;
    for l in lines {
        ws.write_number(row, 0, l.shop_id as f64)?;
        ws.write_string(row, 1, &l.shop_name)?;
        ws.write_string(row, 2, &l.community_code)?;
        ws.write_string(row, 3, &l.community_name)?;
        ws.write_number(row, 4, l.taken as f64)?;
        ws.write_number(row, 5, l.settled as f64)?;
        ws.write_number(row, 6, l.outstanding as f64)?;
        ws.write_number_with_format(row, 7, l.rate, &money)?;
        ws.write_number_with_format(row, 8, l.outstanding_yuan(), &money)?;
        row += 1;
    }
    ws.write_string_with_format(row, 1, translate(locale, "xlsx.total", &[]), &bold)?;
    let sum = |f: fn(&Line) -> i64| lines.iter().map(f).sum::<i64>() as f64;
    ws.write_number_with_format(row, 4, sum(|l| l.taken), &bold)?;
    ws.write_number_with_format(row, 5, sum(|l| l.settled), &bold)?;
    ws.write_number_with_format(row, 6, sum(|l| l.outstanding), &bold)?;
    let total_yuan: f64 = lines.iter().map(Line::outstanding_yuan).sum();
    ws.write_number_with_format(row, 8, (total_yuan * 100.0).round() / 100.0, &money)?;
    ws.set_column_width(1, 24)?;
    ws.set_column_width(3, 16)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(outstanding: i64, rate: f64) -> Line {
        Line {
            shop_id: 1,
            shop_name: "惠民超市".into(),
            community_code: "GY-01".into(),
            community_name: "平原社区".into(),
            taken: 30,
            settled: 10,
            outstanding,
            rate,
        }
    }

    #[test]
    fn yuan_are_rounded_to_the_fen() {
        assert_eq!(line(20, 0.1).outstanding_yuan(), 2.0);
        assert_eq!(line(3, 0.333).outstanding_yuan(), 1.0);
        assert_eq!(line(0, 0.1).outstanding_yuan(), 0.0);
    }

    #[test]
    fn the_workbook_is_a_zip() {
        let bytes = xlsx(&[line(20, 0.1)], "2026-11", Locale::En).unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
