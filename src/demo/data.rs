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

// ---------------------------------------------------------------------------
// Deterministic pseudo-random numbers
// ---------------------------------------------------------------------------

/// Tiny xorshift64 generator with a fixed seed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

// ---------------------------------------------------------------------------
// Static content
// ---------------------------------------------------------------------------

const STREET_CODE: &str = "GY";
const STREET_NAME: &str = "工业街道";

/// Community: (name, two roads, column widths, row heights, y offset), the
/// geometric values in micro-degrees.
struct CommunitySpec {
    name: &'static str,
    roads: [&'static str; 2],
    widths: [i64; 2],
    heights: [i64; 2],
    y_offset: i64,
}

const COMMUNITIES: [CommunitySpec; 3] = [
    CommunitySpec {
        name: "平原社区",
        roads: ["平原路", "工业街"],
        widths: [3200, 3800],
        heights: [2400, 2900],
        y_offset: 0,
    },
    CommunitySpec {
        name: "昭君社区",
        roads: ["昭君路", "迎宾路"],
        widths: [4200, 2800],
        heights: [3100, 2200],
        y_offset: 900,
    },
    CommunitySpec {
        name: "新民社区",
        roads: ["新民街", "林荫路"],
        widths: [3000, 3600],
        heights: [2600, 2600],
        y_offset: 300,
    },
];

/// How the doors of a compound are laid out.
#[derive(Clone, Copy)]
enum Layout {
    /// Apartment buildings: floors, units per building, doors per floor.
    Flats { floors: u32, units: u32, doors: u32 },
    /// Bungalows: houses per row (排).
    Bungalows { per_row: u32 },
}

/// Compound: (name, households, layout, shop names). Four per community, in
/// order south-west, south-east, north-west, north-east.
const COMPOUNDS: [(&str, usize, Layout, &[&str]); 12] = [
    (
        "邮电小区",
        168,
        Layout::Flats {
            floors: 6,
            units: 3,
            doors: 2,
        },
        &[
            "惠民超市",
            "蒙草堂药店",
            "老王早餐店",
            "剪艺理发店",
            "邮电便利店",
            "鲜果多水果店",
        ],
    ),
    (
        "电厂家属院",
        256,
        Layout::Flats {
            floors: 5,
            units: 3,
            doors: 2,
        },
        &["电厂五金店", "兰州拉面馆", "百姓大药房", "晨光早点铺"],
    ),
    (
        "锦绣园",
        212,
        Layout::Flats {
            floors: 11,
            units: 2,
            doors: 2,
        },
        &[
            "锦绣生活超市",
            "一品烧麦馆",
            "时尚造型理发店",
            "鑫达五金店",
            "绿源水果店",
            "草原奶茶馆",
            "锦绣便利店",
        ],
    ),
    (
        "平原路平房区",
        86,
        Layout::Bungalows { per_row: 12 },
        &["平原粮油店", "老李修鞋铺", "张记包子铺"],
    ),
    (
        "阳光嘉苑",
        298,
        Layout::Flats {
            floors: 11,
            units: 2,
            doors: 2,
        },
        &[
            "阳光便利店",
            "益康药店",
            "丝域美发店",
            "羊肉臊子面馆",
            "果然鲜水果店",
        ],
    ),
    (
        "昭君花园",
        180,
        Layout::Flats {
            floors: 7,
            units: 3,
            doors: 2,
        },
        &[
            "昭君超市",
            "手把肉馆",
            "仁和堂药店",
            "小杨早餐店",
            "利民五金店",
            "天天鲜果蔬店",
        ],
    ),
    (
        "粮食局家属院",
        96,
        Layout::Flats {
            floors: 4,
            units: 3,
            doors: 2,
        },
        &["粮油副食店", "老街理发店", "刘家饺子馆", "平价便利店"],
    ),
    (
        "金泰华府",
        144,
        Layout::Flats {
            floors: 18,
            units: 2,
            doors: 2,
        },
        &[
            "金泰优选超市",
            "悦享奶茶店",
            "康宁大药房",
            "华府干洗店",
            "塞外刀削面馆",
        ],
    ),
    (
        "新民小区",
        132,
        Layout::Flats {
            floors: 6,
            units: 2,
            doors: 2,
        },
        &[
            "新民综合超市",
            "民生药店",
            "晨曦早餐店",
            "巧手理发店",
            "新民五金建材",
            "四季水果店",
        ],
    ),
    (
        "康馨苑",
        108,
        Layout::Flats {
            floors: 6,
            units: 3,
            doors: 2,
        },
        &[
            "康馨便利店",
            "蒙药堂药店",
            "好再来面馆",
            "馨雅美发店",
            "花语鲜花店",
        ],
    ),
    (
        "碧水湾",
        188,
        Layout::Flats {
            floors: 15,
            units: 2,
            doors: 2,
        },
        &["碧水湾超市", "达拉特酸粥馆", "鑫鑫水果店", "安心药店"],
    ),
    (
        "祥和家园",
        132,
        Layout::Flats {
            floors: 6,
            units: 3,
            doors: 2,
        },
        &[
            "祥和便利店",
            "老赵五金店",
            "喜羊羊早餐店",
            "祥和理发店",
            "好邻居生鲜超市",
        ],
    ),
];

const SURNAMES: [&str; 40] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "田", "贾", "郝", "白", "乔", "薛", "云", "奇",
];

const GIVEN_NAMES: [&str; 32] = [
    "建国", "建军", "志强", "秀英", "桂兰", "丽娟", "海燕", "玉梅", "永刚", "晓东", "红梅", "文华",
    "淑珍", "国庆", "子涵", "浩然", "雨桐", "欣怡", "俊杰", "美玲", "德胜", "春花", "宏伟", "静",
    "磊", "敏", "军", "霞", "卫东", "二虎", "翠平", "海军",
];

const MONGOLIAN_NAMES: [&str; 16] = [
    "巴特尔",
    "乌云其其格",
    "其木格",
    "苏日娜",
    "额尔敦",
    "斯琴高娃",
    "那仁花",
    "朝鲁",
    "宝音",
    "阿拉坦",
    "图雅",
    "孟和",
    "萨仁",
    "布和",
    "格日勒",
    "乌兰",
];

const MOBILE_PREFIXES: [&str; 24] = [
    "130", "131", "133", "135", "136", "137", "138", "139", "147", "150", "151", "152", "155",
    "156", "158", "159", "177", "180", "183", "185", "186", "188", "189", "199",
];

// ---------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------

/// Converts micro-degrees to degrees (exactly representable to 6 decimals).
fn deg(micro: i64) -> f64 {
    micro as f64 / 1_000_000.0
}

/// Closed counter-clockwise ring of a rectangle given in micro-degrees.
fn rect_ring(x0: i64, y0: i64, x1: i64, y1: i64) -> Vec<(f64, f64)> {
    [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        .iter()
        .map(|&(x, y)| (deg(x), deg(y)))
        .collect()
}

/// Closed counter-clockwise octagon: a rectangle with chamfered corners.
fn octagon_ring(x0: i64, y0: i64, x1: i64, y1: i64, c: i64) -> Vec<(f64, f64)> {
    [
        (x0 + c, y0),
        (x1 - c, y0),
        (x1, y0 + c),
        (x1, y1 - c),
        (x1 - c, y1),
        (x0 + c, y1),
        (x0, y1 - c),
        (x0, y0 + c),
        (x0 + c, y0),
    ]
    .iter()
    .map(|&(x, y)| (deg(x), deg(y)))
    .collect()
}

fn mobile(rng: &mut XorShift) -> String {
    let prefix = rng.pick(&MOBILE_PREFIXES);
    format!("{prefix}{:08}", rng.below(100_000_000))
}

fn person_name(rng: &mut XorShift) -> String {
    if rng.below(6) == 0 {
        rng.pick(&MONGOLIAN_NAMES).to_string()
    } else {
        format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN_NAMES))
    }
}

fn households(count: usize, layout: Layout, rng: &mut XorShift) -> Vec<Household> {
    let mut doors: Vec<(String, String, String)> = Vec::with_capacity(count);
    match layout {
        Layout::Flats {
            floors,
            units,
            doors: per_floor,
        } => {
            let mut building = 1;
            while doors.len() < count {
                for unit in 1..=units {
                    for floor in 1..=floors {
                        for door in 1..=per_floor {
                            doors.push((
                                format!("{building}号楼"),
                                format!("{unit}单元"),
                                format!("{}", floor * 100 + door),
                            ));
                        }
                    }
                }
                building += 1;
            }
        }
        Layout::Bungalows { per_row } => {
            let mut row = 1;
            while doors.len() < count {
                for house in 1..=per_row {
                    doors.push((format!("{row}排"), String::new(), format!("{house}号")));
                }
                row += 1;
            }
        }
    }
    doors.truncate(count);
    doors
        .into_iter()
        .map(|(building, unit, room)| {
            let (contact_name, contact_phone) = if rng.below(100) < 30 {
                (Some(person_name(rng)), Some(mobile(rng)))
            } else {
                (None, None)
            };
            Household {
                building,
                unit,
                room,
                contact_name,
                contact_phone,
            }
        })
        .collect()
}

fn staff_member(
    username: &str,
    display_name: &str,
    role: Role,
    scope: &[&str],
    shop: Option<(String, String)>,
) -> StaffMember {
    StaffMember {
        username: username.to_string(),
        display_name: display_name.to_string(),
        email: format!("{username}@demo.mashang.local"),
        role,
        scope: scope.iter().map(|s| s.to_string()).collect(),
        shop,
        password: format!("mashang-{username}"),
    }
}

fn news() -> Vec<NewsItem> {
    let item = |title: &str, body: &str, codes: &[&str], days_ago: u32| NewsItem {
        title: title.to_string(),
        body: body.to_string(),
        grid_codes: codes.iter().map(|s| s.to_string()).collect(),
        days_ago,
    };
    vec![
        item(
            "关于本年度采暖期供暖的通知",
            "根据旗住建局统一安排，本采暖期自10月15日起正式供暖，至次年4月15日结束。\
             请各位居民提前检查家中暖气片及阀门，发现跑冒滴漏请及时通过“码上生活”扫码报修。\
             供暖期间室温低于18℃的，可联系所在小区网格员登记，热力公司将上门测温处理。",
            &["GY"],
            3,
        ),
        item(
            "邮电小区老旧小区菜单式改造意见征集公告",
            "邮电小区已列入今年老旧小区改造计划，改造采取“菜单式”方式，由居民投票决定改造内容。\
             可选项目包括外墙保温、加装电梯、雨污分流、停车位划线和楼道照明等。\
             请每户于本月30日前扫描单元门口二维码参与投票，每户限投一次。\
             投票结果将在小区公示栏及本平台同步公示。",
            &["GY-01-01"],
            5,
        ),
        item(
            "昭君社区“周末清洁家园”志愿服务活动招募",
            "本周六上午9点，昭君社区将组织“周末清洁家园”志愿服务活动，集合地点为社区党群服务中心门前。\
             活动内容包括清理楼道杂物、捡拾绿化带垃圾和张贴文明养犬宣传画。\
             参加活动的居民可获得志愿服务积分，积分可在辖区合作商户抵扣消费。",
            &["GY-02"],
            2,
        ),
        item(
            "工业街道10月份群众诉求办理情况公示",
            "10月份，工业街道通过“码上生活”共受理群众诉求326件，已办结311件，办结率95.4%。\
             其中供暖类诉求87件、环境卫生类64件、物业管理类58件、市场监管类21件。\
             尚未办结的15件已明确责任单位和办理时限，欢迎居民继续监督。",
            &["GY"],
            9,
        ),
        item(
            "冬季消防安全温馨提示",
            "冬季天干物燥，用火用电增多，是火灾易发季节。\
             请勿在楼道、安全出口堆放杂物，电动自行车严禁进楼入户充电。\
             平房区居民使用火炉取暖时务必安装烟囱和风斗，谨防一氧化碳中毒。",
            &["GY-01-04", "GY-01"],
            1,
        ),
        item(
            "新民社区便民理发进小区活动预告",
            "新民社区联合辖区商户将于下周三在新民小区广场开展便民理发活动。\
             活动面向辖区60岁以上老人和残疾人免费提供理发服务。\
             行动不便的居民可提前联系网格员预约上门服务。",
            &["GY-03"],
            0,
        ),
    ]
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Ring as integer micro-degrees (exact for 6-decimal coordinates).
    fn micro(ring: &[(f64, f64)]) -> Vec<(i64, i64)> {
        ring.iter()
            .map(|&(x, y)| ((x * 1e6).round() as i64, (y * 1e6).round() as i64))
            .collect()
    }

    fn cross(o: (i64, i64), a: (i64, i64), b: (i64, i64)) -> i128 {
        (a.0 - o.0) as i128 * (b.1 - o.1) as i128 - (a.1 - o.1) as i128 * (b.0 - o.0) as i128
    }

    /// Twice the signed area (positive = counter-clockwise).
    fn area2(ring: &[(i64, i64)]) -> i128 {
        ring.windows(2)
            .map(|w| w[0].0 as i128 * w[1].1 as i128 - w[1].0 as i128 * w[0].1 as i128)
            .sum()
    }

    fn on_segment(p: (i64, i64), a: (i64, i64), b: (i64, i64)) -> bool {
        cross(a, b, p) == 0
            && p.0 >= a.0.min(b.0)
            && p.0 <= a.0.max(b.0)
            && p.1 >= a.1.min(b.1)
            && p.1 <= a.1.max(b.1)
    }

    fn on_boundary(p: (i64, i64), ring: &[(i64, i64)]) -> bool {
        ring.windows(2).any(|w| on_segment(p, w[0], w[1]))
    }

    /// Even-odd ray casting; points on the boundary are not "strictly inside".
    fn strictly_inside(p: (i64, i64), ring: &[(i64, i64)]) -> bool {
        if on_boundary(p, ring) {
            return false;
        }
        let (px, py) = (p.0 as f64, p.1 as f64);
        let mut inside = false;
        for w in ring.windows(2) {
            let ((x1, y1), (x2, y2)) = (
                (w[0].0 as f64, w[0].1 as f64),
                (w[1].0 as f64, w[1].1 as f64),
            );
            if (y1 > py) != (y2 > py) && px < x1 + (py - y1) * (x2 - x1) / (y2 - y1) {
                inside = !inside;
            }
        }
        inside
    }

    fn inside_or_on(p: (i64, i64), ring: &[(i64, i64)]) -> bool {
        on_boundary(p, ring) || strictly_inside(p, ring)
    }

    fn segments_cross(a: (i64, i64), b: (i64, i64), c: (i64, i64), d: (i64, i64)) -> bool {
        let (d1, d2) = (cross(c, d, a), cross(c, d, b));
        let (d3, d4) = (cross(a, b, c), cross(a, b, d));
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
        {
            return true;
        }
        on_segment(a, c, d) || on_segment(b, c, d) || on_segment(c, a, b) || on_segment(d, a, b)
    }

    fn bbox(ring: &[(i64, i64)]) -> (i64, i64, i64, i64) {
        let xs = ring.iter().map(|p| p.0);
        let ys = ring.iter().map(|p| p.1);
        (
            xs.clone().min().unwrap(),
            ys.clone().min().unwrap(),
            xs.max().unwrap(),
            ys.max().unwrap(),
        )
    }

    fn is_mobile(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit)
    }

    #[test]
    fn counts() {
        let d = district();
        assert_eq!(d.street.level, 1);
        assert_eq!(d.street.code, "GY");
        assert_eq!(d.communities.len(), 3);
        assert!(d.communities.iter().all(|c| c.level == 2));
        assert_eq!(d.compounds.len(), 12);
        assert!(d.compounds.iter().all(|c| c.grid.level == 3));
        assert_eq!(d.household_count(), 2000);
        for c in &d.compounds {
            assert!((80..=300).contains(&c.households.len()), "{}", c.grid.name);
        }
        assert_eq!(d.shops.len(), 60);
        for role in [
            Role::Admin,
            Role::GridHead,
            Role::GridWorker,
            Role::DepartmentLiaison,
            Role::MerchantCashier,
        ] {
            assert!(d.staff.iter().any(|s| s.role == role), "{role:?}");
        }
        assert_eq!(
            d.staff
                .iter()
                .filter(|s| s.role == Role::GridWorker)
                .count(),
            12
        );
        assert!((5..=6).contains(&d.news.len()));
        let points = d.shops.iter().filter(|s| s.accepts_points).count();
        assert!((35..=45).contains(&points), "{points}");
    }

    #[test]
    fn codes_and_parents() {
        let d = district();
        let mut codes = HashSet::new();
        for g in d.grids() {
            assert!(codes.insert(g.code.clone()), "duplicate {}", g.code);
            assert!(g
                .code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'));
        }
        assert_eq!(d.street.parent_code, None);
        for c in &d.communities {
            assert_eq!(c.parent_code.as_deref(), Some("GY"));
        }
        for c in &d.compounds {
            let parent = c.grid.parent_code.as_deref().unwrap();
            assert_eq!(d.grid(parent).unwrap().level, 2);
            assert!(c.grid.code.starts_with(parent));
        }
        assert_eq!(d.compounds[0].grid.code, "GY-01-01");
        assert_eq!(d.compounds[11].grid.code, "GY-03-04");
    }

    #[test]
    fn households_unique_and_plausible() {
        let d = district();
        let mut with_contact = 0;
        let mut bungalow_blocks = 0;
        for c in &d.compounds {
            let mut keys = HashSet::new();
            for h in &c.households {
                assert!(
                    keys.insert((&h.building, &h.unit, &h.room)),
                    "{} {:?}",
                    c.grid.name,
                    h
                );
                assert_eq!(h.contact_name.is_some(), h.contact_phone.is_some());
                if let Some(p) = &h.contact_phone {
                    assert!(is_mobile(p), "{p}");
                    with_contact += 1;
                }
            }
            if c.households
                .iter()
                .all(|h| h.unit.is_empty() && h.room.ends_with('号'))
            {
                bungalow_blocks += 1;
                assert!(c.grid.name.contains("平房"));
            } else {
                assert!(c.households.iter().all(|h| h.building.ends_with("号楼")
                    && ["1单元", "2单元", "3单元"].contains(&h.unit.as_str())
                    && h.room.parse::<u32>().is_ok()));
            }
        }
        assert_eq!(bungalow_blocks, 1);
        assert!((500..=700).contains(&with_contact), "{with_contact}");
        let names: Vec<_> = d
            .compounds
            .iter()
            .flat_map(|c| &c.households)
            .filter_map(|h| h.contact_name.as_deref())
            .collect();
        assert!(names.iter().any(|n| MONGOLIAN_NAMES.contains(n)));
    }

    #[test]
    fn rings_are_valid() {
        let d = district();
        for g in d.grids() {
            let b = &g.boundary;
            assert!(b.len() >= 4, "{}", g.code);
            assert_eq!(b.first(), b.last(), "{} not closed", g.code);
            for &(x, y) in b {
                assert_eq!((x * 1e6).round() / 1e6, x);
                assert_eq!((y * 1e6).round() / 1e6, y);
                assert!((109.9..110.1).contains(&x) && (40.3..40.5).contains(&y));
            }
            let r = micro(b);
            assert!(area2(&r) > 0, "{} not counter-clockwise", g.code);
            let n = r.len() - 1;
            for i in 0..n {
                for j in i + 1..n {
                    let adjacent = j == i + 1 || (i == 0 && j == n - 1);
                    if !adjacent {
                        assert!(
                            !segments_cross(r[i], r[i + 1], r[j], r[j + 1]),
                            "{} self-intersects",
                            g.code
                        );
                    }
                }
            }
        }
        // Compound size roughly 200-400 m (1e-6° ≈ 0.085 m east, 0.111 m north here).
        for c in &d.compounds {
            let (x0, y0, x1, y1) = bbox(&micro(&c.grid.boundary));
            let (w, h) = ((x1 - x0) as f64 * 0.0847, (y1 - y0) as f64 * 0.111);
            assert!(
                (200.0..=400.0).contains(&w) && (200.0..=400.0).contains(&h),
                "{} {w} {h}",
                c.grid.code
            );
        }
    }

    #[test]
    fn compounds_do_not_overlap_but_share_edges() {
        let d = district();
        let rings: Vec<_> = d
            .compounds
            .iter()
            .map(|c| micro(&c.grid.boundary))
            .collect();
        let mut shared_edges = 0;
        for i in 0..rings.len() {
            for j in i + 1..rings.len() {
                // Rectangle intersection area must be zero.
                let (a, b) = (bbox(&rings[i]), bbox(&rings[j]));
                let w = (a.2.min(b.2) - a.0.max(b.0)).max(0);
                let h = (a.3.min(b.3) - a.1.max(b.1)).max(0);
                assert_eq!(w * h, 0, "{} overlaps {}", i, j);
                // Point sampling: interior points of one are never strictly inside the other.
                for sx in 1..10 {
                    for sy in 1..10 {
                        let p = (a.0 + (a.2 - a.0) * sx / 10, a.1 + (a.3 - a.1) * sy / 10);
                        assert!(strictly_inside(p, &rings[i]));
                        assert!(!strictly_inside(p, &rings[j]), "{} overlaps {}", i, j);
                    }
                }
                let edges = |r: &Vec<(i64, i64)>| -> HashSet<((i64, i64), (i64, i64))> {
                    r.windows(2)
                        .map(|w| {
                            if w[0] < w[1] {
                                (w[0], w[1])
                            } else {
                                (w[1], w[0])
                            }
                        })
                        .collect()
                };
                shared_edges += edges(&rings[i]).intersection(&edges(&rings[j])).count();
            }
        }
        assert!(shared_edges >= 6, "{shared_edges}");
    }

    #[test]
    fn containment() {
        let d = district();
        let street = micro(&d.street.boundary);
        for community in &d.communities {
            let ring = micro(&community.boundary);
            assert!(
                ring.iter().all(|&p| inside_or_on(p, &street)),
                "{}",
                community.code
            );
            for c in d
                .compounds
                .iter()
                .filter(|c| c.grid.parent_code.as_ref() == Some(&community.code))
            {
                let inner = micro(&c.grid.boundary);
                assert!(
                    inner.iter().all(|&p| inside_or_on(p, &ring)),
                    "{}",
                    c.grid.code
                );
                assert!(
                    inner.iter().all(|&p| inside_or_on(p, &street)),
                    "{}",
                    c.grid.code
                );
            }
        }
        let (a, b) = (
            micro(&d.communities[0].boundary),
            micro(&d.communities[1].boundary),
        );
        assert!(a.iter().all(|&p| !inside_or_on(p, &b)));
    }

    #[test]
    fn references_exist() {
        let d = district();
        let codes: HashSet<_> = d.grids().iter().map(|g| g.code.clone()).collect();
        let compound_codes: HashSet<_> = d.compounds.iter().map(|c| c.grid.code.clone()).collect();
        let mut shop_names = HashSet::new();
        for s in &d.shops {
            assert!(compound_codes.contains(&s.grid_code), "{}", s.name);
            assert!(
                shop_names.insert(s.name.clone()),
                "duplicate shop {}",
                s.name
            );
            assert!(s.address.starts_with("工业街道") && s.address.ends_with('号'));
            if let Some(p) = &s.contact_phone {
                assert!(is_mobile(p));
            }
        }
        let mut usernames = HashSet::new();
        for st in &d.staff {
            assert!(usernames.insert(st.username.clone()));
            assert!(st
                .username
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            assert_eq!(st.email, format!("{}@demo.mashang.local", st.username));
            assert_eq!(st.password, format!("mashang-{}", st.username));
            for code in &st.scope {
                assert!(codes.contains(code), "{} {}", st.username, code);
            }
            assert_eq!(st.scope.is_empty(), st.role == Role::Admin);
            if st.role == Role::GridWorker {
                assert_eq!(st.scope.len(), 1);
                assert_eq!(d.grid(&st.scope[0]).unwrap().level, 3);
            }
            assert_eq!(st.shop.is_some(), st.role == Role::MerchantCashier);
            if let Some((grid, name)) = &st.shop {
                let shop = d
                    .shops
                    .iter()
                    .find(|s| &s.grid_code == grid && &s.name == name)
                    .unwrap();
                assert!(shop.accepts_points);
            }
        }
        assert!(usernames.contains("admin"));
        for n in &d.news {
            assert!(!n.grid_codes.is_empty());
            for code in &n.grid_codes {
                assert!(codes.contains(code), "{} {}", n.title, code);
            }
        }
    }

    #[test]
    fn deterministic() {
        assert_eq!(district(), district());
        let d = district();
        assert_eq!(d.clone(), d);
    }
}
