//! Tag chips, coloured by the taxonomy.

use leptos::prelude::*;

use crate::catalogue::TagChip;

#[component]
pub fn TagChips(tags: Vec<TagChip>) -> impl IntoView {
    view! {
        <span class="chips">
            {tags
                .into_iter()
                .map(|t| {
                    let class = if t.classification { "chip classification" } else { "chip" };
                    let tag = t.name.clone();
                    view! {
                        <span class=class style=format!("--chip: {}", t.colour) data-tag=tag>
                            {t.name}
                        </span>
                    }
                })
                .collect_view()}
        </span>
    }
}
