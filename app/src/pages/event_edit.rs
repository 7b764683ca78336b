//! Curation of one event by its owners and admins (the server checks again).

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::api::{list_tags, UpdateEvent};
use crate::catalogue::{EventDetail, EventPatch, TagDef};

#[component]
pub fn EventEditor(e: EventDetail, save: ServerAction<UpdateEvent>) -> impl IntoView {
    let taxonomy = Resource::new(|| (), |_| list_tags());
    let name = e.name.clone();
    let title = RwSignal::new(e.title.clone());
    let description = RwSignal::new(e.description_markdown.clone());
    let domain = RwSignal::new(e.domain.clone());
    let lifecycle = RwSignal::new(e.lifecycle.clone());
    let tags = RwSignal::new(e.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>());
    let fields: Vec<(String, RwSignal<String>)> = e
        .value_fields
        .iter()
        .chain(e.key_fields.iter())
        .map(|f| (f.path.clone(), RwSignal::new(f.tags.join(", "))))
        .collect();
    let field_inputs = fields
        .iter()
        .map(|(path, value)| {
            let value = *value;
            view! {
                <label class="field-tag">
                    <span class="mono">{path.clone()}</span>
                    <input
                        type="text"
                        placeholder="tags, comma separated"
                        data-field=path.clone()
                        prop:value=value
                        on:input=move |ev| value.set(event_target_value(&ev))
                    />
                </label>
            }
        })
        .collect_view();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let field_tags: BTreeMap<String, Vec<String>> = fields
            .iter()
            .map(|(p, v)| {
                let list = v
                    .get_untracked()
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect();
                (p.clone(), list)
            })
            .collect();
        save.dispatch(UpdateEvent {
            name: name.clone(),
            patch: EventPatch {
                title: title.get_untracked(),
                description: description.get_untracked(),
                domain: domain.get_untracked(),
                lifecycle: lifecycle.get_untracked(),
                tags: tags.get_untracked(),
                field_tags,
                contacts: None,
            },
        });
    };
    view! {
        <form class="panel editor" on:submit=submit data-testid="event-editor">
            <h2>"Edit event"</h2>
            <label>"Title"<input type="text" prop:value=title on:input=move |ev| title.set(event_target_value(&ev))/></label>
            <label>"Description (Markdown)"
                <textarea rows="6" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            </label>
            <label>"Domain"<input type="text" prop:value=domain on:input=move |ev| domain.set(event_target_value(&ev))/></label>
            <label>"Lifecycle"
                <select on:change=move |ev| lifecycle.set(event_target_value(&ev)) data-testid="lifecycle">
                    {["draft", "published", "deprecated", "retired"]
                        .into_iter()
                        .map(|l| view! { <option value=l selected=move || lifecycle.get() == l>{l}</option> })
                        .collect_view()}
                </select>
            </label>
            <fieldset>
                <legend>"Tags"</legend>
                <Suspense>
                    {move || Suspend::new(async move {
                        taxonomy.await.map(|defs| view! { <TagBoxes defs tags/> })
                    })}
                </Suspense>
            </fieldset>
            <fieldset>
                <legend>"Field tags"</legend>
                {field_inputs}
            </fieldset>
            <button class="button" type="submit" disabled=move || save.pending().get()>"Save"</button>
            {move || save.value().get().and_then(|r| r.err()).map(|e| view! {
                <p class="error-panel" role="alert" data-testid="edit-error">{e.message}</p>
            })}
        </form>
    }
}

#[component]
fn TagBoxes(defs: Vec<TagDef>, tags: RwSignal<Vec<String>>) -> impl IntoView {
    defs.into_iter()
        .map(|d| {
            let name = d.name.clone();
            let checked = {
                let name = name.clone();
                move || tags.get().contains(&name)
            };
            let toggle = move |_| {
                tags.update(|list| {
                    if let Some(i) = list.iter().position(|t| *t == name) {
                        list.remove(i);
                    } else {
                        list.push(name.clone());
                    }
                })
            };
            view! {
                <label class="tag-box" title=d.description>
                    <input type="checkbox" prop:checked=checked on:change=toggle data-tag-box=d.name.clone()/>
                    {d.name}
                    {d.classification.then_some(" (classification)")}
                </label>
            }
        })
        .collect_view()
}
