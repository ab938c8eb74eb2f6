//! Demo district for Mashang (码上生活): a realistic, fully deterministic
//! description of one street office in Dalad Banner (达拉特旗), Ordos, with
//! its communities, residential compounds, households, shops, staff and news.
//!
//! Everything is produced by the pure function [`district`]; calling it twice
//! yields equal values. No randomness from the environment is used: a tiny
//! xorshift generator with a fixed seed provides the "random-looking" parts.
//!
//! Geometry: compound boundaries are axis-aligned rectangles around
//! 40.40°N / 109.99°E (Shulinzhao town, 树林召镇). Within a community the four
//! compounds form a 2 × 2 block, so neighbouring compounds share edges with
//! exactly the same coordinates. Community boundaries are rectangles around
//! their compounds with a small margin; the street boundary is an octagon
//! around all communities. All rings are closed (first point repeated at the
//! end), counter-clockwise, and rounded to 6 decimals.

/// The whole demo district: one street office with its sub-grids and data.
#[derive(Debug, Clone, PartialEq)]
pub struct District {
    /// The level-1 grid: the street office 工业街道 (code `"GY"`).
    pub street: Grid,
    /// The level-2 grids: communities `"GY-01"`..`"GY-03"`.
    pub communities: Vec<Grid>,
    /// The level-3 grids (residential compounds) with their households,
    /// `"GY-01-01"`..`"GY-03-04"`, four per community.
    pub compounds: Vec<Compound>,
    /// Shops located in the compounds (60 in total).
    pub shops: Vec<Shop>,
    /// Staff accounts, at least one for every [`Role`].
    pub staff: Vec<StaffMember>,
    /// News items / public notices (社区动态 / 公示).
    pub news: Vec<NewsItem>,
}

/// A governance grid (street, community or compound).
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Short upper-case ASCII code, e.g. `"GY"`, `"GY-01"`, `"GY-01-01"`.
    pub code: String,
    /// Chinese display name, e.g. `"平原社区"`.
    pub name: String,
    /// Code of the parent grid; `None` for the street (level 1).
    pub parent_code: Option<String>,
    /// 1 = street office / town, 2 = community, 3 = residential compound.
    pub level: i16,
    /// Closed ring of `(longitude, latitude)` WGS-84 points, counter-clockwise,
    /// with the first point repeated at the end; coordinates have 6 decimals.
    pub boundary: Vec<(f64, f64)>,
}

/// A residential compound (小区): a level-3 grid plus its households.
#[derive(Debug, Clone, PartialEq)]
pub struct Compound {
    /// The compound's grid (level 3).
    pub grid: Grid,
    /// Households; `(building, unit, room)` is unique within the compound.
    pub households: Vec<Household>,
}

/// One household (door) in a compound.
#[derive(Debug, Clone, PartialEq)]
pub struct Household {
    /// Building, e.g. `"3号楼"`; in the bungalow block (平房区) a row, e.g. `"2排"`.
    pub building: String,
    /// Unit, e.g. `"1单元"`; empty string in the bungalow block.
    pub unit: String,
    /// Room, e.g. `"502"` (floor × 100 + door); `"12号"` in the bungalow block.
    pub room: String,
    /// Contact person's name, if known (about 30 % of households).
    pub contact_name: Option<String>,
    /// Contact mobile number (`1[3-9]` + 9 digits), present with the name.
    pub contact_phone: Option<String>,
}

/// A shop inside a compound.
#[derive(Debug, Clone, PartialEq)]
pub struct Shop {
    /// Code of the compound grid the shop is located in.
    pub grid_code: String,
    /// Shop name, unique across the district, e.g. `"惠民超市"`.
    pub name: String,
    /// Street address, e.g. `"工业街道平原路12号"`.
    pub address: String,
    /// Whether the shop accepts reward points (about two thirds do).
    pub accepts_points: bool,
    /// Shop contact phone, if any.
    pub contact_phone: Option<String>,
}

/// Role of a staff account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// System administrator with access to the whole district.
    Admin,
    /// Grid head (网格长) responsible for a street or a community.
    GridHead,
    /// Grid worker (网格员) responsible for one compound.
    GridWorker,
    /// Liaison of a government department (e.g. 市场监管, 住建).
    DepartmentLiaison,
    /// Cashier of a shop that accepts reward points.
    MerchantCashier,
    /// Volunteer informant (信息员) of one compound: files for residents (代办).
    Informant,
}

/// A staff account for the demo.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffMember {
    /// Lower-case ASCII login name, e.g. `"worker-gy-01-01"`.
    pub username: String,
    /// Chinese display name.
    pub display_name: String,
    /// `"<username>@demo.mashang.local"`.
    pub email: String,
    /// The account's role.
    pub role: Role,
    /// Grid codes the account is responsible for; empty for the admin,
    /// meaning the whole district.
    pub scope: Vec<String>,
    /// For a merchant cashier: `(grid_code, shop name)` of their shop.
    pub shop: Option<(String, String)>,
    /// Demo password, `"mashang-<username>"` (demo only, never for production).
    pub password: String,
}

/// A news item or public notice.
#[derive(Debug, Clone, PartialEq)]
pub struct NewsItem {
    /// Headline.
    pub title: String,
    /// Body text, a few sentences.
    pub body: String,
    /// Grids where the item is published; the street code means everyone.
    pub grid_codes: Vec<String>,
    /// Publication date relative to "today".
    pub days_ago: u32,
}

impl District {
    /// All grids of the district: street, communities, then compounds.
    pub fn grids(&self) -> Vec<&Grid> {
        std::iter::once(&self.street)
            .chain(self.communities.iter())
            .chain(self.compounds.iter().map(|c| &c.grid))
            .collect()
    }

    /// Looks a grid up by its code.
    pub fn grid(&self, code: &str) -> Option<&Grid> {
        self.grids().into_iter().find(|g| g.code == code)
    }

    /// Total number of households over all compounds.
    pub fn household_count(&self) -> usize {
        self.compounds.iter().map(|c| c.households.len()).sum()
    }
}

mod build;
mod content;
#[cfg(test)]
mod tests;

use build::*;
use content::*;

/// Builds the demo district. Pure and deterministic: every call returns an
/// equal value.
///
/// Contents: street 工业街道 (`"GY"`) of 达拉特旗, 3 communities, 12 compounds
/// (one of them a bungalow block), exactly 2,000 households, 60 shops, 19
/// staff accounts covering every [`Role`], and 6 news items.
pub fn district() -> District {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);

    // South-west corner of the westernmost community, in micro-degrees.
    let base_x: i64 = 109_978_000;
    let base_y: i64 = 40_394_000;
    let road_gap: i64 = 600;
    let community_margin: i64 = 150;
    let street_margin: i64 = 300;
    let street_chamfer: i64 = 200;

    let mut communities = Vec::new();
    let mut compounds = Vec::new();
    let mut shops = Vec::new();
    let mut community_boxes = Vec::new();
    let mut x = base_x;

    for (ci, spec) in COMMUNITIES.iter().enumerate() {
        let community_code = format!("{STREET_CODE}-{:02}", ci + 1);
        let y = base_y + spec.y_offset;
        let xs = [x, x + spec.widths[0], x + spec.widths[0] + spec.widths[1]];
        let ys = [
            y,
            y + spec.heights[0],
            y + spec.heights[0] + spec.heights[1],
        ];

        for k in 0..4 {
            let (row, col) = (k / 2, k % 2);
            let (name, count, layout, shop_names) = COMPOUNDS[ci * 4 + k];
            let code = format!("{community_code}-{:02}", k + 1);
            let grid = Grid {
                code: code.clone(),
                name: name.to_string(),
                parent_code: Some(community_code.clone()),
                level: 3,
                boundary: rect_ring(xs[col], ys[row], xs[col + 1], ys[row + 1]),
            };
            compounds.push(Compound {
                grid,
                households: households(count, layout, &mut rng),
            });

            let road = spec.roads[col];
            for (si, shop_name) in shop_names.iter().enumerate() {
                let number = row * 30 + si * 2 + 10;
                let index = shops.len();
                let contact_phone = if rng.below(10) < 9 {
                    Some(mobile(&mut rng))
                } else {
                    None
                };
                shops.push(Shop {
                    grid_code: code.clone(),
                    name: shop_name.to_string(),
                    address: format!("{STREET_NAME}{road}{number}号"),
                    accepts_points: index % 3 != 2,
                    contact_phone,
                });
            }
        }

        let (cx0, cy0) = (xs[0] - community_margin, ys[0] - community_margin);
        let (cx1, cy1) = (xs[2] + community_margin, ys[2] + community_margin);
        community_boxes.push((cx0, cy0, cx1, cy1));
        communities.push(Grid {
            code: community_code,
            name: spec.name.to_string(),
            parent_code: Some(STREET_CODE.to_string()),
            level: 2,
            boundary: rect_ring(cx0, cy0, cx1, cy1),
        });
        x = xs[2] + road_gap;
    }

    let sx0 = community_boxes.iter().map(|b| b.0).min().unwrap_or(base_x) - street_margin;
    let sy0 = community_boxes.iter().map(|b| b.1).min().unwrap_or(base_y) - street_margin;
    let sx1 = community_boxes.iter().map(|b| b.2).max().unwrap_or(base_x) + street_margin;
    let sy1 = community_boxes.iter().map(|b| b.3).max().unwrap_or(base_y) + street_margin;
    let street = Grid {
        code: STREET_CODE.to_string(),
        name: STREET_NAME.to_string(),
        parent_code: None,
        level: 1,
        boundary: octagon_ring(sx0, sy0, sx1, sy1, street_chamfer),
    };

    let cashier_shop = |name: &str| {
        shops
            .iter()
            .find(|s| s.name == name)
            .map(|s| (s.grid_code.clone(), s.name.clone()))
    };
    let huimin = cashier_shop("惠民超市");
    let zhaojun = cashier_shop("昭君超市");
    let huimin_scope = huimin.as_ref().map(|s| s.0.clone()).unwrap_or_default();
    let zhaojun_scope = zhaojun.as_ref().map(|s| s.0.clone()).unwrap_or_default();

    let worker_names = [
        "刘海燕",
        "张永刚",
        "苏日娜",
        "陈红梅",
        "杨晓东",
        "朝鲁",
        "赵丽娟",
        "黄俊杰",
        "其木格",
        "周文华",
        "吴美玲",
        "孟和",
    ];
    let mut staff = vec![
        staff_member("admin", "系统管理员", Role::Admin, &[], None),
        staff_member("head-gy", "高建华", Role::GridHead, &["GY"], None),
        staff_member("head-gy-01", "李秀英", Role::GridHead, &["GY-01"], None),
        staff_member("head-gy-02", "巴特尔", Role::GridHead, &["GY-02"], None),
        staff_member("head-gy-03", "王志强", Role::GridHead, &["GY-03"], None),
    ];
    for (compound, name) in compounds.iter().zip(worker_names) {
        let code = compound.grid.code.as_str();
        let username = format!("worker-{}", code.to_ascii_lowercase());
        staff.push(staff_member(
            &username,
            name,
            Role::GridWorker,
            &[code],
            None,
        ));
    }
    // One informant per compound, named like its worker (`informant-gy-01-01`).
    let informant_names = [
        "王桂兰",
        "马建国",
        "萨仁",
        "李淑珍",
        "郝振华",
        "阿拉坦",
        "高玉梅",
        "刘金宝",
        "娜仁花",
        "孙立新",
        "白秀英",
        "额尔敦",
    ];
    for (compound, name) in compounds.iter().zip(informant_names) {
        let code = compound.grid.code.as_str();
        let username = format!("informant-{}", code.to_ascii_lowercase());
        staff.push(staff_member(
            &username,
            name,
            Role::Informant,
            &[code],
            None,
        ));
    }
    staff.push(staff_member(
        "liaison-scjg",
        "张敏（市场监管局）",
        Role::DepartmentLiaison,
        &["GY"],
        None,
    ));
    staff.push(staff_member(
        "liaison-zjj",
        "刘洋（住建局）",
        Role::DepartmentLiaison,
        &["GY"],
        None,
    ));
    staff.push(staff_member(
        "cashier-huimin",
        "郭春花（惠民超市）",
        Role::MerchantCashier,
        &[huimin_scope.as_str()],
        huimin,
    ));
    staff.push(staff_member(
        "cashier-zhaojun",
        "乌云其其格（昭君超市）",
        Role::MerchantCashier,
        &[zhaojun_scope.as_str()],
        zhaojun,
    ));

    District {
        street,
        communities,
        compounds,
        shops,
        staff,
        news: news(),
    }
}
