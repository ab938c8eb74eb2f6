//! The demo district's fixed content: the pseudo-random generator, the communities and
//! compounds with their geometry, the names people and shops are drawn from.

// ---------------------------------------------------------------------------
// Deterministic pseudo-random numbers
// ---------------------------------------------------------------------------

/// Tiny xorshift64 generator with a fixed seed.
pub(super) struct XorShift(pub(super) u64);

impl XorShift {
    pub(super) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub(super) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

// ---------------------------------------------------------------------------
// Static content
// ---------------------------------------------------------------------------

pub(super) const STREET_CODE: &str = "GY";
pub(super) const STREET_NAME: &str = "工业街道";

/// Community: (name, two roads, column widths, row heights, y offset), the
/// geometric values in micro-degrees.
pub(super) struct CommunitySpec {
    pub(super) name: &'static str,
    pub(super) roads: [&'static str; 2],
    pub(super) widths: [i64; 2],
    pub(super) heights: [i64; 2],
    pub(super) y_offset: i64,
}

pub(super) const COMMUNITIES: [CommunitySpec; 3] = [
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
pub(super) enum Layout {
    /// Apartment buildings: floors, units per building, doors per floor.
    Flats { floors: u32, units: u32, doors: u32 },
    /// Bungalows: houses per row (排).
    Bungalows { per_row: u32 },
}

/// Compound: (name, households, layout, shop names). Four per community, in
/// order south-west, south-east, north-west, north-east.
pub(super) const COMPOUNDS: [(&str, usize, Layout, &[&str]); 12] = [
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

pub(super) const SURNAMES: [&str; 40] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "田", "贾", "郝", "白", "乔", "薛", "云", "奇",
];

pub(super) const GIVEN_NAMES: [&str; 32] = [
    "建国", "建军", "志强", "秀英", "桂兰", "丽娟", "海燕", "玉梅", "永刚", "晓东", "红梅", "文华",
    "淑珍", "国庆", "子涵", "浩然", "雨桐", "欣怡", "俊杰", "美玲", "德胜", "春花", "宏伟", "静",
    "磊", "敏", "军", "霞", "卫东", "二虎", "翠平", "海军",
];

pub(super) const MONGOLIAN_NAMES: [&str; 16] = [
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

pub(super) const MOBILE_PREFIXES: [&str; 24] = [
    "130", "131", "133", "135", "136", "137", "138", "139", "147", "150", "151", "152", "155",
    "156", "158", "159", "177", "180", "183", "185", "186", "188", "189", "199",
];
