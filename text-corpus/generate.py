#!/usr/bin/env python3
"""Deterministic generator of the Preflight text corpus (messages.tsv, conversations.jsonl,
conversations_labels.tsv) from the team-written seeds in seeds.py.

    python3 text-corpus/generate.py            # writes the three files next to this script
    python3 text-corpus/generate.py --check    # exits 1 if the committed files differ

Python standard library only; fixed seed; the output depends only on seeds.py and this file.
Held-out split: by SEED TEMPLATE (every variant of one template lands in the same split), so the
test split measures generalisation to phrasings the model never saw, not to re-filled slots.
"""

import hashlib
import json
import os
import random
import re
import sys

import seeds

# Experiment only: PREFLIGHT_CORPUS_SEED draws another corpus from the same templates, to see how
# much a figure moves between draws (text-corpus/README.md, "Session 13"); the committed corpus
# and model use the default.
SEED = int(os.environ.get("PREFLIGHT_CORPUS_SEED", "20261201"))
HERE = os.path.dirname(os.path.abspath(__file__))
TEST_SHARE = 0.2

# --- template expansion -------------------------------------------------------------------------

ALT = re.compile(r"\[([^\[\]]+)\]")
SLOT = re.compile(r"\{(\w+)\}")


def expand(template, rng):
    text = ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    return SLOT.sub(lambda m: rng.choice(seeds.SLOTS[m.group(1)]), text)


def split_of(template):
    h = int(hashlib.sha256(template.encode()).hexdigest()[:8], 16)
    return "test" if (h % 1000) / 1000.0 < TEST_SHARE else "train"


def lang_of(text):
    es = {"quiero", "estas", "tienes", "eres", "tus", "mañana", "manda", "ven", "sola", "pastillas",
          "mi", "qué", "muero", "hacerte", "estoy", "voy", "necesito", "matarme", "suicidarme",
          "escuela", "nos", "papás", "digas", "mándame", "tuya", "recojo", "chico", "verme",
          "agregas", "pásame", "compro", "quieres", "mándame", "hora", "amiga", "hago", "ojalá",
          "gustas", "entrenamiento", "tocas", "enseñarte", "escribí", "corté", "mátalo", "amo"}
    pt = {"você", "não", "pra", "seus", "conta", "sua", "manda", "uma", "tá", "quero", "vou",
          "minha", "vem", "sozinha", "dou", "posso", "dinheiro", "já", "escrevi", "morta",
          "mais", "viver", "busco", "escola", "treino", "avisa", "apaga", "passa", "adiciona",
          "remédios", "cortei", "ele", "disse", "contar", "mãe", "ajudo", "boa", "noite", "fofa",
          "tudo", "bem", "rir", "morri", "tesão", "transar", "penso", "idade", "segredo", "amor"}
    words = set(re.findall(r"[\wáéíóúãõâêôçñ]+", text.lower()))
    if len(words & pt) >= 1 and len(words & pt) >= len(words & es):
        return "pt"
    if words & es:
        return "es"
    return "en"


# --- register transforms (how teens and offenders really type) -----------------------------------

ABBREV = [
    (r"\byou\b", ["u", "u", "you", "ya"]), (r"\byour\b", ["ur", "ur", "your", "yr"]),
    (r"\byou're\b", ["ur", "youre", "u r"]), (r"\bare\b", ["r", "are"]),
    (r"\bplease\b", ["pls", "plz", "please"]), (r"\bright now\b", ["rn", "rn", "right now"]),
    (r"\bbecause\b", ["cuz", "bc", "because"]), (r"\bokay\b", ["ok", "k", "okay"]),
    (r"\btonight\b", ["tonite", "2nite", "tonight"]), (r"\btomorrow\b", ["tmrw", "tmr", "tomorrow"]),
    (r"\breally\b", ["rly", "really", "realy"]), (r"\bdon't\b", ["dont", "don't", "dnt"]),
    (r"\bi'm\b", ["im", "i'm", "ima"]), (r"\bwhat\b", ["wat", "wut", "what"]),
    (r"\bto\b", ["to", "to", "2"]), (r"\bfor\b", ["for", "4"]), (r"\blove\b", ["luv", "love"]),
    (r"\bwant to\b", ["wanna", "want to"]), (r"\bgoing to\b", ["gonna", "going to"]),
    (r"\bpicture\b", ["pic", "pict"]), (r"\bpic\b", ["pic", "pix", "pik"]),
    (r"\bthough\b", ["tho", "though"]), (r"\bwith\b", ["w", "with", "wit"]),
    (r"\bknow\b", ["kno", "know", "no"]), (r"\bpeople\b", ["ppl", "people"]),
    (r"\bsomething\b", ["smth", "sth", "something"]), (r"\bmessage\b", ["msg", "message"]),
    (r"\bthanks\b", ["thx", "ty", "thanks"]), (r"\bbefore\b", ["b4", "before"]),
    (r"\bsee you\b", ["cya", "see u", "see you"]), (r"\bnothing\b", ["nothin", "nuthin"]),
]
FILLERS_PRE = ["hey ", "hi ", "ok so ", "lol ", "btw ", "omg ", "yo ", "so ", "hey babe ", "haha ",
               "listen ", "ngl ", "honestly ", "um ", "wait ", "hey sweetie ", "bro ", "oi "]
FILLERS_POST = [" lol", " lmao", " haha", " ok", " ok?", " pls", " tho", " rn", " fr", " tbh",
                " ngl", " 😂", " 😭", " 🥺", " ❤️", " 😘", " 😉", " ...", "!!", "??", " xx", " :)",
                " ;)", " 💀", " 🙃", " 😏", " jk", " idk"]
KEYBOARD = {"a": "qsz", "s": "adwx", "e": "wrd", "r": "etf", "t": "ryg", "o": "ipl", "i": "uok",
            "n": "bmh", "l": "kop", "d": "sfe", "h": "gjn", "u": "yij", "m": "nj", "y": "tuh",
            "c": "xv", "p": "ol", "k": "jl", "g": "fh", "w": "qe", "b": "vn"}
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
EMOJI = ["😂", "😭", "🥺", "❤️", "😘", "😉", "💀", "🙃", "😏", "🔥", "✨", "🙈", "😈", "💕"]


def typo(word, rng):
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    near = KEYBOARD.get(word[i])
    return word[:i] + rng.choice(near) + word[i + 1:] if near else word


def transform(text, rng, intensity):
    """Applies a random mix of register transforms; intensity 0 keeps the text almost as written."""
    t = text
    if rng.random() < 0.7:
        t = t.lower()
    for pat, subs in ABBREV:
        if rng.random() < 0.55 * intensity:
            t = re.sub(pat, lambda _m: rng.choice(subs), t)
    if rng.random() < 0.6:
        t = re.sub(r"[.,!?']", lambda m: "" if rng.random() < 0.8 else m.group(0), t)
    words = t.split(" ")
    if rng.random() < 0.35 * intensity:
        k = rng.randrange(len(words))
        words[k] = typo(words[k], rng)
    if rng.random() < 0.08 * intensity:
        k = rng.randrange(len(words))
        w = words[k]
        if len(w) > 3 and w.isalpha():
            j = rng.randrange(1, len(w) - 1)
            words[k] = w[:j] + w[j] * rng.randrange(2, 5) + w[j:]
    if rng.random() < 0.05 * intensity:
        words = [w if rng.random() < 0.5 else "".join(LEET.get(c, c) for c in w) for w in words]
    if rng.random() < 0.04 * intensity:
        k = rng.randrange(len(words))
        w = words[k]
        if len(w) > 3:
            j = rng.randrange(1, len(w) - 1)
            words[k] = w[:j] + rng.choice("*#.") + w[j + 1:]
    if rng.random() < 0.05 * intensity and len(words) > 2:
        k = rng.randrange(1, len(words))
        words.insert(k, rng.choice(EMOJI))
    t = " ".join(words)
    if rng.random() < 0.02 * intensity:
        t = t.replace(" ", "")
    if rng.random() < 0.3:
        t = rng.choice(FILLERS_PRE) + t
    if rng.random() < 0.4:
        t = t + rng.choice(FILLERS_POST)
    if rng.random() < 0.1:
        t = t.upper() if rng.random() < 0.3 else t[:1].upper() + t[1:]
    return re.sub(r"\s+", " ", t).strip()


# --- messages -----------------------------------------------------------------------------------

def seed_groups():
    """(label, kind, template) for every seed."""
    out = []
    for stage, ts in seeds.GROOMING.items():
        out += [("grooming:" + stage, "offender", t) for t in ts]
    out += [("grooming:" + stage, "disclosure", t) for stage, t in seeds.DISCLOSURES]
    out += [("sexual", "adult_explicit", t) for t in seeds.SEXUAL]
    for level, ts in seeds.SELF_HARM.items():
        out += [("self_harm:" + level, "first_person", t) for t in ts]
    for kind, ts in seeds.BENIGN.items():
        out += [("benign", kind, t) for t in ts]
    for level, ts in seeds.SOCIAL_SELF_HARM.items():
        out += [("self_harm:" + level, "social_first_person", t) for t in ts]
    for kind, ts in seeds.SOCIAL_BENIGN.items():
        out += [("benign", kind, t) for t in ts]
    return out


# Public-post noise around a self-harm or benign message (both alike, so it is no cue between
# them; grooming and sexual chat are direct messages): a reply's @mention,
# a retweet prefix, a hashtag, a trailing link or a cut-off ending.
SOCIAL_SHARE = 0.12
HANDLES = ["@sam_k", "@jess_x", "@the_real_mo", "@lily99", "@bigdan", "@zoeeee", "@kai_plays",
           "@news_now", "@ella.b", "@maxwell_t"]
TAGS = ["#mondays", "#mood", "#tired", "#life", "#nofilter", "#weekend", "#truth", "#me"]


def social_noise(text, rng):
    """With probability SOCIAL_SHARE, wraps `text` the way public short posts appear."""
    if rng.random() >= SOCIAL_SHARE:
        return text
    kind = rng.randrange(5)
    if kind == 0:
        return " ".join(rng.sample(HANDLES, rng.randrange(1, 4))) + " " + text
    if kind == 1:
        return f"RT {rng.choice(HANDLES)}: {text}"
    if kind == 2:
        return f"{text} {rng.choice(TAGS)}"
    if kind == 3:
        code = "".join(rng.choice("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(10))
        return f"{text} https://t.co/{code}"
    cut = max(8, len(text) * 3 // 4)
    return text[:cut] + "…" if len(text) > 24 else text


# Variants generated per seed template, by label family (benign gets more: it is the hard part).
PER_TEMPLATE = {"grooming": 12, "sexual": 12, "self_harm": 14, "benign": 20}
COMBINE_SHARE = 0.15


def build_messages(rng):
    """Variants of every seed template, then the long posts. Each template's variants come from
    its own generator (seeded by SEED and the template's text), and the posts from their own, so
    adding or removing a template leaves every other row as it was: a retrain then measures the
    change, not a reshuffle of the whole corpus (session 13)."""
    del rng  # kept in the signature: main() owns the seeding
    groups = seed_groups()
    everyday = [t for t in seeds.BENIGN["everyday"] if len(t) > 12]
    rows, seen = [], set()
    for label, kind, template in groups:
        split = split_of(template)
        family = label.split(":")[0]
        trng = random.Random(f"{SEED}:{label}:{template}")
        noise = random.Random(f"{SEED + 2}:{label}:{template}")
        made = 0
        for _ in range(PER_TEMPLATE[family] * 4):
            if made >= PER_TEMPLATE[family]:
                break
            base = expand(template, trng)
            if trng.random() < COMBINE_SHARE:
                # A neutral sentence before or after keeps the label (messages are rarely one clause).
                other = expand(trng.choice(everyday), trng)
                base = f"{other}, {base}" if trng.random() < 0.5 else f"{base}. {other}"
            text = transform(base, trng, trng.choice([0.3, 0.7, 1.0, 1.3]))
            if family in ("self_harm", "benign"):
                text = social_noise(text, noise)
            if not text or text in seen:
                continue
            seen.add(text)
            made += 1
            rows.append((label, kind, split, template, text))
    return rows + build_posts(random.Random(SEED + 3), seen)


# Long multi-sentence posts (forum register): what each is made of, and how many.
POST_PLAN = [("self_harm", 320), ("venting", 220), ("supportive", 300), ("everyday", 160)]


def forum_sentence(text, rng):
    """A sentence as forum posts write it: capitalised and full-stopped, or not at all."""
    if rng.random() < 0.5:
        text = text[:1].upper() + text[1:] + rng.choice([".", ".", "!", "..."])
    if rng.random() < 0.3:
        text = text.replace("'", "")
    return text


def post_sentences(kind, rng, split):
    """(label, templates) of one long post of `kind`."""
    ctx = lambda n: [pick(rng, seeds.POST_CONTEXT, split) for _ in range(n)]
    if kind == "self_harm":
        level = rng.choice(list(seeds.SELF_HARM))
        core = pick(rng, seeds.SELF_HARM[level], split)
        before, after = ctx(rng.randrange(1, 4)), ctx(rng.randrange(0, 3))
        return "self_harm:" + level, before + [core] + after
    if kind == "venting":
        extra = [pick(rng, seeds.VENTING + seeds.POST_EVERYDAY, split)]
        return "benign", ctx(rng.randrange(2, 5)) + extra[: rng.randrange(0, 2)]
    if kind == "supportive":
        pool = seeds.SUPPORT_REPLY + seeds.RECOVERY + seeds.BENIGN["supportive"]
        return "benign", [pick(rng, pool, split) for _ in range(rng.randrange(2, 6))]
    return "benign", [pick(rng, seeds.POST_EVERYDAY, split) for _ in range(rng.randrange(2, 5))]


def build_posts(rng, seen):
    """Long posts (3 to 7 sentences): a self-harm sentence inside first-person context, venting
    that is not self-harm, supportive replies with advice and recovered past, everyday replies."""
    rows = []
    for kind, count in POST_PLAN:
        for i in range(count):
            split = "test" if i % 5 == 0 else "train"
            label, templates = post_sentences(kind, rng, split)
            templates = list(dict.fromkeys(templates))
            text = " ".join(forum_sentence(expand(t, rng), rng) for t in templates)
            text = transform(text, rng, 0.3)
            if not text or text in seen:
                continue
            seen.add(text)
            rows.append((label, "post_" + kind, split, "|".join(templates), text))
    return rows


def write_messages(rows):
    lines = ["label\tkind\tlang\tsplit\ttext"]
    for label, kind, split, _template, text in rows:
        clean = text.replace("\t", " ").replace("\n", " ")
        lines.append(f"{label}\t{kind}\t{lang_of(clean)}\t{split}\t{clean}")
    return "\n".join(lines) + "\n"


# --- conversations ------------------------------------------------------------------------------

CHILD_REPLIES = ["lol", "idk", "maybe", "haha ok", "ok", "why", "i guess", "hmm", "thank u",
                 "omg really", "yeah", "not sure", "lol ur funny", "ya", "k", "what do u mean",
                 "my mom is at work", "im in my room", "sure", "😂", "aww", "ty", "i dunno",
                 "idk about that", "maybe later", "lol fine", "for real?", "nice"]
OPENERS_RECEIVED = ["hey", "hi there", "hey whats up", "saw ur post on {game}, ur really good",
                    "hey! love your drawings", "u play {game}?", "sup", "hey hows ur day",
                    "nice profile pic", "gg that last round was close", "hi :)",
                    "what r u up to", "do you like {game}"]
OPENERS_SENT = ["hi", "hey", "thx", "lol yeah", "yea i play every day", "who is this",
                "good u?", "just chilling", "haha thanks"]
AGE_STATEMENTS = ["im {adultage} btw is that ok", "i'm {adultage} but age is just a number",
                  "im {adultage} lol dont be scared", "i'm older, {adultage}, hope thats ok"]
CHILD_AGE = ["im {kidage}", "{kidage}", "i'm {kidage} lol", "im only {kidage}"]

GROOM_ORDER = ["trust_building", "personal_questions", "private_channel", "gifts_offers",
               "isolation_secrecy", "image_request", "sexual_content", "meeting"]
CONCERNING = {"personal_questions", "isolation_secrecy", "private_channel", "gifts_offers",
              "image_request", "sexual_content", "meeting"}


def pick(rng, pool, split):
    """A seed template of the given split (falls back to any split if none)."""
    same = [t for t in pool if split_of(t) == split]
    return rng.choice(same or pool)


def msg(direction, text, rng, intensity=0.6):
    return {"direction": direction, "text": transform(expand(text, rng), rng, intensity)}


def grooming_conversation(rng, split):
    """Offender (received) against a child (sent): openers, then a path through the stages."""
    out = [msg("received", rng.choice(OPENERS_RECEIVED), rng),
           msg("sent", rng.choice(OPENERS_SENT), rng)]
    for _ in range(rng.randrange(0, 4)):
        out.append(msg("received", rng.choice(seeds.BENIGN["everyday"]), rng))
        out.append(msg("sent", rng.choice(CHILD_REPLIES), rng))
    stages = [s for s in GROOM_ORDER if rng.random() < 0.6]
    stages = stages or ["image_request"]
    if rng.random() < 0.5:
        stages.insert(rng.randrange(len(stages) + 1), "age_gap")
    first = None
    slow = rng.random() < 0.3
    for stage in stages:
        if stage == "age_gap":
            out.append(msg("received", "how old r u", rng))
            out.append(msg("sent", rng.choice(CHILD_AGE), rng))
            out.append(msg("received", rng.choice(AGE_STATEMENTS), rng))
            if first is None:
                first = len(out) - 1
        else:
            out.append(msg("received", pick(rng, seeds.GROOMING[stage], split), rng))
            if first is None and stage in CONCERNING:
                first = len(out) - 1
        out.append(msg("sent", rng.choice(CHILD_REPLIES), rng))
        if slow:
            out.append(msg("received", rng.choice(seeds.BENIGN["everyday"]), rng))
            out.append(msg("sent", rng.choice(CHILD_REPLIES), rng))
    if first is None:
        first = len(out) - 2
    return out, first


def disclosure_conversation(rng, split):
    """A child telling a friend (both minors, all sent by the local user who is the child)."""
    out = [msg("received", "hey whats up", rng), msg("sent", "nothing much", rng),
           msg("received", rng.choice(["hbu", "you ok?", "how was ur weekend"]), rng)]
    picks = rng.sample(seeds.DISCLOSURES, rng.randrange(2, 4))
    first = None
    for _stage, text in picks:
        out.append(msg("sent", text, rng))
        if first is None:
            first = len(out) - 1
        out.append(msg("received", rng.choice(["wait what", "omg", "thats weird", "how old is he",
                                               "u should tell someone", "fr??", "thats creepy"]),
                       rng))
    out.append(msg("sent", rng.choice(CHILD_REPLIES), rng))
    return out, first


def self_harm_conversation(rng, split):
    out = [msg("received", rng.choice(["hey you ok?", "u weren't at school", "hows it going"]),
               rng),
           msg("sent", rng.choice(["not really", "idk", "bad day"]), rng)]
    levels = list(seeds.SELF_HARM)
    level = rng.choice(levels)
    out.append(msg("sent", pick(rng, seeds.SELF_HARM[level], split), rng))
    first = len(out) - 1
    out.append(msg("received", rng.choice(["please talk to me", "i'm here for you",
                                           "can we tell someone", "i'm worried about u"]), rng))
    for t in ["lol fine", "bye", "ok", "idk", "whatever", "gn", "i have to go", "ttyl"]:
        if rng.random() < 0.5:
            out.append(msg("sent", t, rng, 0.2))
    out.append(msg("sent", rng.choice(["bye", "lol fine"]), rng, 0.0))
    return out, first


BENIGN_CONV_KINDS = ["teen_flirt", "adult_consensual", "coach_teacher", "parent", "gaming",
                     "school_news", "help_seeking", "idiom", "everyday"]


def benign_conversation(rng, split, kind):
    pool = seeds.BENIGN[kind] + seeds.BENIGN["everyday"]
    out = []
    for _ in range(rng.randrange(6, 14)):
        d = "received" if rng.random() < 0.5 else "sent"
        out.append(msg(d, pick(rng, pool, split), rng))
    if kind == "teen_flirt":
        out.insert(1, msg("received", "how old r u", rng))
        out.insert(2, msg("sent", "{teenage} u?", rng))
        out.insert(3, msg("received", "same lol", rng))
    if kind == "adult_consensual":
        out.insert(2, msg("received", rng.choice(seeds.SEXUAL), rng))
        out.insert(4, msg("sent", rng.choice(seeds.SEXUAL), rng))
    return out, None


AGE_BY_KIND = {"adult_consensual": "adult", "parent": "13-15", "coach_teacher": "13-15",
               "teen_flirt": "13-15"}


def build_conversations(rng):
    convs = []
    plan = ([("grooming", None)] * 70 + [("disclosure", None)] * 16 + [("self_harm", None)] * 24 +
            [("benign", k) for k in BENIGN_CONV_KINDS for _ in range(8)])
    for i, (label, kind) in enumerate(plan):
        split = "test" if i % 5 == 0 else "train"
        if label == "grooming":
            lines, first = grooming_conversation(rng, split)
            age = rng.choice(["under13", "13-15", "13-15", "16-17", "unknown"])
        elif label == "disclosure":
            lines, first = disclosure_conversation(rng, split)
            label, age = "grooming", rng.choice(["under13", "13-15", "unknown"])
        elif label == "self_harm":
            lines, first = self_harm_conversation(rng, split)
            age = rng.choice(["13-15", "16-17", "unknown"])
        else:
            lines, first = benign_conversation(rng, split, kind)
            age = AGE_BY_KIND.get(kind, rng.choice(["13-15", "16-17", "unknown"]))
        cid = f"tc{i:03d}-{label}" + (f"-{kind}" if kind else "")
        convs.append((cid, label, kind or "", age, split, first, lines))
    return convs


def write_conversations(convs):
    jl = []
    labels = ["conversation\tlabel\tkind\tage_band\tsplit\tfirst_concerning\tmessages"]
    for cid, label, kind, age, split, first, lines in convs:
        for m in lines:
            jl.append(json.dumps({"conversation": cid, "direction": m["direction"],
                                  "text": m["text"], "age_band": age}, ensure_ascii=False))
        f = "" if first is None else str(first)
        labels.append(f"{cid}\t{label}\t{kind}\t{age}\t{split}\t{f}\t{len(lines)}")
    return "\n".join(jl) + "\n", "\n".join(labels) + "\n"


def main():
    rng = random.Random(SEED)
    files = {"messages.tsv": write_messages(build_messages(rng))}
    jl, labels = write_conversations(build_conversations(random.Random(SEED + 1)))
    files["conversations.jsonl"] = jl
    files["conversations_labels.tsv"] = labels
    if "--check" in sys.argv:
        bad = [n for n, body in files.items()
               if not os.path.exists(os.path.join(HERE, n))
               or open(os.path.join(HERE, n), encoding="utf-8").read() != body]
        if bad:
            print("stale: " + ", ".join(bad) + " (run python3 text-corpus/generate.py)")
            return 1
        print("text-corpus is up to date")
        return 0
    for name, body in files.items():
        with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
            f.write(body)
    print(f"wrote {', '.join(files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
