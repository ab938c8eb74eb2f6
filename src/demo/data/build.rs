//! Builders of the demo district: rings in micro-degrees, people, households, staff, news.

use super::*;

// ---------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------

/// Converts micro-degrees to degrees (exactly representable to 6 decimals).
pub(super) fn deg(micro: i64) -> f64 {
    micro as f64 / 1_000_000.0
}

/// Closed counter-clockwise ring of a rectangle given in micro-degrees.
pub(super) fn rect_ring(x0: i64, y0: i64, x1: i64, y1: i64) -> Vec<(f64, f64)> {
    [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        .iter()
        .map(|&(x, y)| (deg(x), deg(y)))
        .collect()
}

/// Closed counter-clockwise octagon: a rectangle with chamfered corners.
pub(super) fn octagon_ring(x0: i64, y0: i64, x1: i64, y1: i64, c: i64) -> Vec<(f64, f64)> {
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

pub(super) fn mobile(rng: &mut XorShift) -> String {
    let prefix = rng.pick(&MOBILE_PREFIXES);
    format!("{prefix}{:08}", rng.below(100_000_000))
}

pub(super) fn person_name(rng: &mut XorShift) -> String {
    if rng.below(6) == 0 {
        rng.pick(&MONGOLIAN_NAMES).to_string()
    } else {
        format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN_NAMES))
    }
}

pub(super) fn households(count: usize, layout: Layout, rng: &mut XorShift) -> Vec<Household> {
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

pub(super) fn staff_member(
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

pub(super) fn news() -> Vec<NewsItem> {
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
