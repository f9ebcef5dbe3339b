//! The chat corpus shared by `benches/text.rs` and `examples/text_instructions.rs`.

/// Realistic short chat messages (mostly benign, some evasive, some matching), ~85 bytes each.
pub const CORPUS: &[&str] = &[
    "hey did you finish the maths homework yet? i'm stuck on question 4 and it's due tmrw",
    "lol no i haven't even started, this homework is killing me. want to do it on call later",
    "omg did you see what happened at lunch today?? everyone was talking about it after class",
    "can you send me a pic of the worksheet, i left mine in my locker before practice ended",
    "my mum says i can come over on saturday if your parents are ok with it, let me know x",
    "you're so mature for your age, honestly most people on here are so immature and boring",
    "don't tell your parents we talk ok? they wouldn't understand. it's our little secret :)",
    "add me on snap it's easier than this app, my username is the same as on here btw ok?",
    "i just want to die, everything is going wrong and nobody would even notice if i left",
    "i would never kill myself, don't worry, i'm just really tired of school at the moment",
    "k<b>il</b>l myself lol jk. anyway are we still going to the cinema on friday night?",
    "wh3re do u l1ve? i c4n p1ck u up after sch00l if u want, nobody needs to know about it",
    "happy birthday!!! 🎂🎉 hope you have the best day ever, see you at the party later on",
    "the bus was late again so i missed first period, mr harris was not happy with me lol",
    "i'll buy you that game you wanted if you send me a pic of yourself, just one pic ok?",
    "my friend says she wants to die and i don't know what to do, can you help me please?",
    "we're going to the beach in the summer, my dad rented a house near the coast for a week",
    "r u home alone rn? what r u wearing? i can come to your place when your mum leaves",
    "ｄｏｎ'ｔ ｔｅｌｌ ａｎｙｏｎｅ about this, delete this chat after you read it ok",
    "that new song is so good i've been listening to it on repeat all day, you need to hear",
    "practice got cancelled because of the rain so i'm just at home watching films all day",
    "can you ask your brother if he still has my charger? i think i left it in his car lol",
    "we drove through Scunthorpe and Essex on the way, had shiitake ramen at a service stop",
    "i've been cutting again and i wrote my note. please don't tell anyone, i mean it, ok?",
];
