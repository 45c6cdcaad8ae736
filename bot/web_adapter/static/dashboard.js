// The answer preview: Discord's Markdown drawn as DOM nodes (text only, never innerHTML),
// the character count, and the embed title and footer following the form as you type.
"use strict";

const INLINE = new RegExp(
  [
    "`([^`\\n]+)`", // 1 code
    "\\*\\*([\\s\\S]+?)\\*\\*", // 2 bold
    "__([\\s\\S]+?)__", // 3 underline
    "\\*([^*\\n]+?)\\*", // 4 italic
    "_([^_\\n]+?)_", // 5 italic
    "~~([\\s\\S]+?)~~", // 6 strike
    "\\|\\|([\\s\\S]+?)\\|\\|", // 7 spoiler
    "\\[([^\\]\\n]+)\\]\\((https?://[^)\\s]+)\\)", // 8, 9 masked link
    "(https?://[^\\s<]+[^\\s<.,:;\"')\\]])", // 10 bare link
  ].join("|"),
  "g"
);
const TAGS = { 2: "strong", 3: "u", 4: "em", 5: "em", 6: "s", 7: "span" };

function link(label, href) {
  const a = document.createElement("a");
  a.href = href;
  a.rel = "noopener noreferrer nofollow";
  a.target = "_blank";
  a.textContent = label;
  a.title = href; // a masked link shows where it goes, as Discord asks before opening it
  return a;
}

function inline(parent, text) {
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) parent.append(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      const code = document.createElement("code");
      code.textContent = m[1];
      parent.append(code);
    } else if (m[8] !== undefined) {
      parent.append(link(m[8], m[9]));
    } else if (m[10] !== undefined) {
      parent.append(link(m[10], m[10]));
    } else {
      const group = [2, 3, 4, 5, 6, 7].find((n) => m[n] !== undefined);
      const node = document.createElement(TAGS[group]);
      if (group === 7) node.className = "spoiler";
      inline(node, m[group]);
      parent.append(node);
    }
  }
  if (last < text.length) parent.append(text.slice(last));
}

function render(target, source) {
  target.replaceChildren();
  const lines = source.replace(/\r\n/g, "\n").split("\n");
  let list = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("```")) {
      const pre = document.createElement("pre");
      const body = [];
      for (i++; i < lines.length && !lines[i].startsWith("```"); i++) body.push(lines[i]);
      pre.textContent = body.join("\n");
      target.append(pre);
      list = null;
      continue;
    }
    const heading = /^(#{1,3}) (.*)$/.exec(line);
    const item = /^\s*[-*] (.*)$/.exec(line);
    const quote = /^> (.*)$/.exec(line);
    const small = /^-# (.*)$/.exec(line);
    let node;
    if (small) {
      node = document.createElement("small");
      inline(node, small[1]);
    } else if (heading) {
      node = document.createElement("h" + (heading[1].length + 2));
      inline(node, heading[2]);
    } else if (item) {
      if (!list) {
        list = document.createElement("ul");
        target.append(list);
      }
      const li = document.createElement("li");
      inline(li, item[1]);
      list.append(li);
      continue;
    } else if (quote) {
      node = document.createElement("blockquote");
      inline(node, quote[1]);
    } else {
      node = document.createElement("div");
      if (line) inline(node, line);
      else node.append(document.createElement("br"));
    }
    list = null;
    target.append(node);
  }
}

function follow(input, target, draw) {
  const update = () => draw(target, input.value);
  input.addEventListener("input", update);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  for (const body of document.querySelectorAll("[data-markdown]")) {
    const source = document.querySelector("[data-preview-source]");
    if (source && body.closest(".preview")) {
      follow(source, body, render);
      const count = document.getElementById("answer-count");
      if (count) {
        const limit = Number(count.dataset.limit);
        const tally = () => {
          count.value = String(source.value.length);
          count.parentElement.classList.toggle("over", source.value.length > limit);
        };
        source.addEventListener("input", tally);
        tally();
      }
    } else {
      render(body, body.textContent);
    }
  }
  const set = (t, v) => (t.textContent = v);
  const title = document.querySelector(".preview [data-preview-title]");
  const footer = document.querySelector(".preview [data-preview-footer]");
  const question = document.getElementById("question");
  const category = document.getElementById("category");
  if (title && question) follow(question, title, set);
  if (footer && category) follow(category, footer, set);
});
