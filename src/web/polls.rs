//! Residents' poll pages: the polls open where a code is, one poll with its ballot form or
//! results, and casting a ballot for a household.

use super::locale::Locale;
use super::resident_auth::{MaybeResident, ResidentForm};
use crate::codes::{token, Code};
use crate::error::{AppError, AppResult};
use crate::polls::{Poll, Voter};
use crate::web::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

/// `GET /C/{token}/polls`: polls open for the grid of the scanned code.
pub async fn for_code(
    state: web::Data<AppState>,
    locale: Locale,
    raw: web::Path<String>,
) -> AppResult<HttpResponse> {
    let Some(t) = token::normalize(&raw) else {
        return super::landing::neutral(&state, locale);
    };
    let mut conn = state.conn().await?;
    let Some(place) = Code::scan(&mut conn, &t).await? else {
        return super::landing::neutral(&state, locale);
    };
    let polls = Poll::open_for(&mut conn, &place.grid_path, chrono::Utc::now()).await?;
    state.pages.page(
        "polls/for_code.html",
        locale,
        minijinja::context! { place => Serde(&place), polls => Serde(&polls), self_path => format!("/C/{t}/polls") },
    )
}

#[derive(Serialize)]
struct HouseholdChoice {
    household_id: i64,
    door: String,
    compound: String,
    voted: bool,
}

#[derive(Serialize)]
struct OptionResult {
    text: String,
    votes: i64,
    percent: f64,
}

/// `GET /polls/{id}`
pub async fn show(
    state: web::Data<AppState>,
    locale: Locale,
    who: MaybeResident,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let poll = Poll::find(&mut conn, *id).await?;
    let questions = poll.questions(&mut conn).await?;
    let now = chrono::Utc::now();
    let mut households = Vec::new();
    if let Some(me) = &who.0 {
        for m in me.resident.memberships(&mut conn).await? {
            if poll.covers(&mut conn, &m.grid_path).await? {
                let voter = Voter {
                    resident_id: me.resident.id,
                    household_id: m.household_id,
                    grid_id: m.grid_id,
                    grid_path: m.grid_path.clone(),
                };
                let voted = poll.has_voted(&mut conn, &voter).await?;
                households.push(HouseholdChoice {
                    household_id: m.household_id,
                    door: m.door,
                    compound: m.compound,
                    voted,
                });
            }
        }
    }
    let results = if poll.results_visible(now) {
        let tally = poll.tally(&mut conn).await?;
        let r: Vec<(String, Vec<OptionResult>)> = questions
            .iter()
            .map(|q| {
                let total: i64 = q
                    .options
                    .iter()
                    .map(|o| tally.get(&o.id).copied().unwrap_or(0))
                    .sum();
                let rows = q
                    .options
                    .iter()
                    .map(|o| {
                        let votes = tally.get(&o.id).copied().unwrap_or(0);
                        OptionResult {
                            text: o.text.clone(),
                            votes,
                            percent: if total > 0 {
                                (votes as f64 * 1000.0 / total as f64).round() / 10.0
                            } else {
                                0.0
                            },
                        }
                    })
                    .collect();
                (q.text.clone(), rows)
            })
            .collect();
        Some(r)
    } else {
        None
    };
    let state_label = if now < poll.opens_at {
        "not_open"
    } else if now >= poll.closes_at {
        "closed"
    } else {
        "open"
    };
    state.pages.page(
        "polls/show.html",
        locale,
        minijinja::context! {
            poll => Serde(&poll), questions => Serde(&questions), households => Serde(&households),
            signed_in => who.0.is_some(), csrf => who.0.as_ref().map(|m| m.session.csrf.clone()),
            results => Serde(results), status => state_label, self_path => format!("/polls/{}", poll.id),
        },
    )
}

/// A ballot as posted. Each question's options carry their own field name (`choice.<question>`,
/// so a single-choice question is its own radio group in the browser); a plain `choice` is
/// accepted too. Every choice of every question ends up in one list, which the poll checks.
#[derive(Deserialize)]
#[serde(try_from = "Vec<(String, String)>")]
pub struct VoteForm {
    csrf: String,
    household_id: i64,
    choice: Vec<i64>,
}
crate::csrf_form!(VoteForm);

/// At most this many form fields are read from a ballot (the poll checks the choices again).
const MAX_BALLOT_FIELDS: usize = 200;

impl TryFrom<Vec<(String, String)>> for VoteForm {
    type Error = String;

    fn try_from(fields: Vec<(String, String)>) -> Result<Self, Self::Error> {
        if fields.len() > MAX_BALLOT_FIELDS {
            return Err("too many fields".into());
        }
        let (mut csrf, mut household_id, mut choice) = (None, None, Vec::new());
        for (name, value) in fields {
            let number = || {
                value
                    .parse::<i64>()
                    .map_err(|_| format!("{name}: not a number"))
            };
            match name.as_str() {
                "csrf" => csrf = Some(value.clone()),
                "household_id" => household_id = Some(number()?),
                n if n == "choice" || n.starts_with("choice.") => choice.push(number()?),
                _ => {}
            }
        }
        Ok(VoteForm {
            csrf: csrf.ok_or("missing field `csrf`")?,
            household_id: household_id.ok_or("missing field `household_id`")?,
            choice,
        })
    }
}

/// `POST /polls/{id}/vote`: the household in the form must be one of the resident's (a
/// forged id is refused); the database's unique key decides a race between members.
pub async fn vote(
    state: web::Data<AppState>,
    locale: Locale,
    id: web::Path<i64>,
    ResidentForm { me, form: f }: ResidentForm<VoteForm>,
) -> AppResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let poll = Poll::find(&mut conn, *id).await?;
    let membership = me
        .resident
        .memberships(&mut conn)
        .await?
        .into_iter()
        .find(|m| m.household_id == f.household_id);
    let Some(m) = membership else {
        return Err(AppError::refused(
            &crate::polls::VoteError::NotBound,
            locale,
        ));
    };
    let voter = Voter {
        resident_id: me.resident.id,
        household_id: m.household_id,
        grid_id: m.grid_id,
        grid_path: m.grid_path,
    };
    match poll
        .cast(&mut conn, &voter, &f.choice, chrono::Utc::now())
        .await?
    {
        Ok(()) => {
            drop(conn);
            let source = crate::polls::participation_source(poll.id, voter.resident_id);
            crate::points::earn::pay_now(
                &state.db,
                &state.redis,
                &state.settings.points,
                &[source],
            )
            .await;
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/polls/{}", poll.id)))
                .finish())
        }
        Err(e) => Err(AppError::refused(&e, locale)),
    }
}

#[cfg(test)]
mod tests {
    use super::VoteForm;

    #[test]
    fn each_question_is_its_own_field_and_all_choices_are_kept() {
        let f: VoteForm = crate::web::auth::parse_form(
            b"csrf=x&household_id=7&choice.1=11&choice.2=21&choice.2=22&choice=5",
        )
        .unwrap();
        assert_eq!((f.csrf.as_str(), f.household_id), ("x", 7));
        assert_eq!(f.choice, vec![11, 21, 22, 5]);
        assert!(
            crate::web::auth::parse_form::<VoteForm>(b"csrf=x&household_id=7&choice.1=a").is_err()
        );
        assert!(crate::web::auth::parse_form::<VoteForm>(b"household_id=7").is_err());
    }
}
