//! The registry of printed sheets: which templates exist, their files, what they print.

use crate::codes::CodeKind;

/// Which scripts a batch prints: Chinese only, or Mongolian beside Chinese as on the region's
/// public signs (the template sets the Mongolian vertically beside the Chinese lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Script {
    /// Chinese only: the sheets as they always were.
    #[default]
    Chinese,
    /// Mongolian (traditional script) beside Chinese.
    Bilingual,
}

impl Script {
    /// Every choice, in the order the console offers them.
    pub const ALL: [Script; 2] = [Script::Chinese, Script::Bilingual];

    /// The name on the command line, in forms and in the sheets' data.
    pub fn name(self) -> &'static str {
        match self {
            Script::Chinese => "zh",
            Script::Bilingual => "bilingual",
        }
    }

    /// Parse a name (exact, lower case).
    pub fn parse(name: &str) -> Option<Script> {
        Script::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A printed sheet. Each is one file in `print-templates/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// An A4 sheet of door stickers (household codes).
    DoorLabels,
    /// An A6 counter card per shop (shop codes).
    ShopCard,
    /// A4 sheet of binding slips: the household's binding code plus its door code.
    BindingSlip,
    /// An A4 check-in poster for a volunteer activity (not a code batch).
    ActivityPoster,
}

impl Template {
    /// Every template, in the order the console offers them.
    pub const ALL: [Template; 4] = [
        Template::DoorLabels,
        Template::ShopCard,
        Template::BindingSlip,
        Template::ActivityPoster,
    ];

    /// The name used on the command line, in forms and in the batch record.
    pub fn name(self) -> &'static str {
        match self {
            Template::DoorLabels => "door-labels",
            Template::ShopCard => "shop-card",
            Template::BindingSlip => "binding-slip",
            Template::ActivityPoster => "activity-poster",
        }
    }

    /// Parse a name (exact, lower case).
    pub fn parse(name: &str) -> Option<Template> {
        Template::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The template's file inside the templates directory.
    pub fn file_name(self) -> String {
        format!("{}.typ", self.name())
    }

    /// Which codes a batch of this template prints; `None` for sheets that are not printed
    /// from grids' codes (the activity poster).
    pub fn code_kind(self) -> Option<CodeKind> {
        match self {
            Template::DoorLabels | Template::BindingSlip => Some(CodeKind::Household),
            Template::ShopCard => Some(CodeKind::Shop),
            Template::ActivityPoster => None,
        }
    }

    /// The templates staff print from grids (console and `mashang print`).
    pub fn for_batches() -> impl Iterator<Item = Template> {
        Template::ALL
            .into_iter()
            .filter(|t| t.code_kind().is_some())
    }

    /// The names of the batch templates, for messages.
    pub fn batch_names() -> String {
        Template::for_batches()
            .map(Template::name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_files_exist() {
        for t in Template::ALL {
            assert_eq!(Template::parse(t.name()), Some(t));
            let path = std::path::Path::new("print-templates").join(t.file_name());
            assert!(path.is_file(), "{} is missing", path.display());
        }
        assert_eq!(Template::parse("door_labels"), None);
        assert_eq!(Template::parse(""), None);
    }

    #[test]
    fn shop_cards_print_shop_codes_and_posters_no_batch() {
        assert_eq!(Template::ShopCard.code_kind(), Some(CodeKind::Shop));
        assert_eq!(Template::DoorLabels.code_kind(), Some(CodeKind::Household));
        assert_eq!(Template::BindingSlip.code_kind(), Some(CodeKind::Household));
        assert!(!Template::for_batches().any(|t| t == Template::ActivityPoster));
        assert_eq!(
            Template::batch_names(),
            "door-labels, shop-card, binding-slip"
        );
    }
}
