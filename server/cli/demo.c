/* demo: Larkspur Networks, a fictional regional ISP and mail host, with two
 * years of history.
 *
 * Everything goes through the public store API, so the demo passes the
 * same validation as anything an operator types, and every time is
 * relative to `now`, so a demo database always looks current: the open
 * incident started two hours ago, the maintenance is a few days ahead, the
 * notices are days old and the history reaches back two years.
 *
 * Posts are written oldest first, so ids grow with time as they would on
 * a real page.
 */
#include "demo.h"

#include <stdbool.h>
#include <stddef.h>

#define DAYS(n) ((n)*1440) /* in minutes */

struct demo_service {
    const char *slug, *name, *group, *description;
};

static const struct demo_service demo_services[] = {
    {"dsl", "DSL broadband", "Access",
     "ADSL2+ and VDSL2 lines from the Millbrook and Harrow Cross exchanges"},
    {"fibre", "Fibre to the home", "Access",
     "Fibre in Millbrook, Harrow Cross and Ashby Fold, including fibre "
     "voice"},
    {"wireless", "Fixed wireless", "Access",
     "Rooftop radio links from the Beacon Hill and Stonegate towers"},
    {"imap", "Mailboxes (IMAP and POP3)", "Mail",
     "Reading and storing your mail"},
    {"smtp", "Mail delivery (SMTP)", "Mail",
     "Sending mail, receiving mail from the internet, spam filtering"},
    {"webmail", "Webmail", "Mail", "Mail in your browser"},
    {"web", "Web hosting", "Hosting & Network",
     "Customer websites and the hosting control panel"},
    {"dns", "DNS", "Hosting & Network",
     "Resolvers for customers and name servers for hosted domains"},
    {"core", "Core network", "Hosting & Network",
     "Backbone, data centre and links to the rest of the internet"},
};

struct demo_step {
    int at; /* minutes after the anchor (see demo_post) */
    enum incident_status status;
    bool set_impact;
    enum impact impact;
    const char *author;
    const char *body;
};

struct demo_post {
    /* The anchor: an incident's opening time, a maintenance's window
     * start. It is days_ago days before today at hour:minute UTC, or,
     * when minutes_ago is set, that many minutes before now. */
    int days_ago, hour, minute;
    int minutes_ago;
    enum incident_kind kind;
    enum impact impact;
    const char *title;
    const char *services[10]; /* NULL-terminated */
    int window_len;           /* maintenance: minutes */
    /* maintenance: each service's own slot inside the window, in minutes
     * from its start ({0, 0}: the whole window), by index in services */
    int slots[10][2];
    /* steps[0] opens the post (at 0 for incidents, before the window for
     * maintenance); a NULL body ends the list. */
    struct demo_step steps[8];
    int postmortem_at;
    const char *postmortem;
};

/* The signatures, so each person signs the same way everywhere. */
#define MAYA "Maya, NOC"
#define TOMAS "Tom\xc3\xa1s, NOC"
#define EWAN "Ewan, network engineering"
#define PRIYA "Priya, systems"
#define JONAS "Jonas, mail team"
#define RUTH "Ruth, customer support"

/* The table is laid out by hand: clang-format would split every
 * sentence of the bodies at odd places. */
/* clang-format off */
static const struct demo_post demo_posts[] = {
    {
        .days_ago = 722, .hour = 23, .kind = KIND_MAINTENANCE,
        .impact = IMPACT_MAINTENANCE,
        .title = "Core router software upgrade at Harrow Cross",
        .services = {"core"}, .window_len = 120,
        .steps = {
            {-DAYS(6) - 600, STATUS_SCHEDULED, .author = EWAN, .body =
             "We will upgrade the software on both core routers at our "
             "Harrow Cross site, cr1.hx and cr2.hx, one after the other.\n\n"
             "Traffic moves to the other router while each one restarts, "
             "so most customers will notice nothing. Long-running "
             "connections (VPNs, games, video calls) may pause for up to a "
             "minute while routes settle, once around 23:15 UTC and once "
             "around 00:15 UTC.\n\n"
             "DSL, fibre and wireless sessions stay up throughout."},
            {0, STATUS_IN_PROGRESS, .author = EWAN, .body =
             "Work has started. cr1.hx is handing its traffic over to "
             "cr2.hx."},
            {70, STATUS_IN_PROGRESS, .author = EWAN, .body =
             "cr1.hx is back on the new software and carrying traffic "
             "again. Moving on to cr2.hx."},
            {118, STATUS_COMPLETED, .author = EWAN, .body =
             "Both routers are upgraded and traffic is shared between them "
             "again. Each restart caused one short reconvergence, as "
             "expected. Thank you for your patience."},
        },
    },
    {
        .days_ago = 701, .hour = 14, .minute = 20, .kind = KIND_INCIDENT,
        .impact = IMPACT_MINOR,
        .title = "Spam filtering stopped for incoming mail",
        .services = {"smtp"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = JONAS, .body =
             "Since about 13:50 UTC incoming mail has been delivered "
             "without passing through the spam filter, so you may find "
             "more junk than usual in your inbox. Mail itself is arriving "
             "normally.\n\n"
             "We are looking into it."},
            {35, STATUS_IDENTIFIED, .author = JONAS, .body =
             "The filter servers stopped taking connections after an "
             "automatic rule update gave them a rule file they could not "
             "load. The mail relays did what they are set up to do in that "
             "case: deliver unfiltered rather than hold your mail.\n\n"
             "We have rolled the rules back and are restarting the filters "
             "one at a time."},
            {70, STATUS_RESOLVED, .author = JONAS, .body =
             "All filters are running again and every new message is "
             "scanned. Mail that arrived between 13:50 and 15:25 UTC was "
             "not filtered and stays where it landed, so please delete any "
             "junk from that window by hand.\n\n"
             "No mail was lost or delayed at any point."},
        },
    },
    {
        .days_ago = 668, .hour = 7, .minute = 5, .kind = KIND_INCIDENT,
        .impact = IMPACT_MAJOR, .title = "Slow or failing DNS lookups",
        .services = {"dns"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = TOMAS, .body =
             "Web pages are slow to start loading, or fail with \"server "
             "not found\", for many customers. Our resolvers res1 and res2 "
             "are answering slowly. We are investigating.\n\n"
             "If you need a workaround right now, any public resolver will "
             "do until this is fixed."},
            {20, STATUS_IDENTIFIED, .author = TOMAS, .body =
             "res1 and res2 are flooded with queries for random names under "
             "one domain, the usual sign of an attack on that domain's name "
             "servers. Our resolvers wait for those servers to answer and "
             "run out of room for everyone else's lookups.\n\n"
             "We are adding a rate limit for the domain under attack."},
            {50, STATUS_MONITORING, .author = TOMAS, .body =
             "The limit is in place and lookups are quick again on res2. "
             "res1 is still refilling its cache. We are watching both."},
            {95, STATUS_RESOLVED, .author = TOMAS, .body =
             "Both resolvers have answered normally for the last 45 "
             "minutes. The rate limit stays in place for now and we will "
             "review it next week.\n\n"
             "Sorry for the disruption this morning."},
        },
    },
    {
        .days_ago = 640, .hour = 10, .kind = KIND_NOTICE,
        .impact = IMPACT_NONE, .title = "New certificates on the mail servers",
        .steps = {
            {0, STATUS_POSTED, .author = PRIYA, .body =
             "We have renewed the TLS certificates of our IMAP, POP3 and "
             "SMTP servers.\n\n"
             "Most mail programs accept the new certificates without a "
             "word. Some older ones, especially on phones that no longer "
             "get updates, may ask you once whether to trust the new "
             "certificate: check that it is issued to mail.larkspur.example "
             "and accept it.\n\n"
             "If your program refuses to connect at all, it is probably too "
             "old for the encryption we now require. Call support and we "
             "will help you set up one that works."},
        },
    },
    {
        .days_ago = 611, .hour = 16, .minute = 40, .kind = KIND_INCIDENT,
        .impact = IMPACT_MAJOR,
        .title = "Fibre cut: no service in Ashby Fold and Millbrook east",
        .services = {"fibre", "dsl"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = MAYA, .body =
             "Fibre and DSL customers in Ashby Fold and the eastern half of "
             "Millbrook lost their connection at 16:32 UTC. The cable to "
             "the Ashby Fold cabinet and the backhaul of the Millbrook east "
             "street cabinets went dark at the same moment, which points at "
             "damage to the route they share.\n\n"
             "A team is on the way."},
            {50, STATUS_IDENTIFIED, .author = MAYA, .body =
             "Found it: a contractor laying drainage at the Quarry Lane "
             "roundabout has drilled through our duct. Several cables are "
             "cut, including the main one to Ashby Fold.\n\n"
             "Our splicing crew is on site, but the hole has to be made "
             "safe before they can start. Repairs will take several hours; "
             "we will post here as they progress."},
            {170, STATUS_IDENTIFIED, .author = MAYA, .body =
             "Update: the trench is open and the crew has started "
             "splicing. The main cable holds 144 fibres and each is joined "
             "by hand, so the ones carrying customer traffic go first."},
            {290, STATUS_MONITORING, .author = MAYA, .body =
             "Service is back for everyone in Millbrook east and for most "
             "of Ashby Fold. A handful of fibre customers on the Fold Road "
             "spur are still offline; that cable is next.\n\n"
             "If your connection has not come back, switch your router off "
             "and on again."},
            {380, STATUS_RESOLVED, .author = MAYA, .body =
             "Every cable is spliced and all affected customers are back "
             "online. The crew returns tomorrow in daylight to make the "
             "duct repair permanent, which will not interrupt service.\n\n"
             "We are sorry for a long evening offline."},
        },
        .postmortem_at = DAYS(6),
        .postmortem =
            "On the evening of the cut, 1,180 fibre and DSL customers lost "
            "service, most of them for about four and a half hours, the "
            "last few for just over six.\n\n"
            "A drainage contractor drilled through our duct under the "
            "Quarry Lane roundabout. The duct was on the utility maps the "
            "contractor was given, but 40 cm from where the map put it. "
            "The cables to Ashby Fold and Millbrook east share that duct "
            "for 300 metres, so one hole took out both routes.\n\n"
            "Repair took as long as it did because the hole had to be made "
            "safe first (an hour and a half), and because 144 fibres were "
            "spliced by hand in the dark.\n\n"
            "What we are changing: we have surveyed the duct and corrected "
            "the maps we share with the county; Ashby Fold now has a second "
            "path to Harrow Cross over the old railway line, so one cut can "
            "no longer disconnect it; and we keep a pre-spliced emergency "
            "cable in the van, which restores the busiest fibres within the "
            "hour while the permanent repair is done.",
    },
    {
        .days_ago = 585, .hour = 6, .kind = KIND_MAINTENANCE,
        .impact = IMPACT_MAINTENANCE, .title = "Webmail moving to new servers",
        .services = {"webmail"}, .window_len = 120,
        .steps = {
            {-DAYS(7) + 540, STATUS_SCHEDULED, .author = PRIYA, .body =
             "We are moving webmail to new servers. During the window "
             "webmail will be unavailable for up to 30 minutes while we "
             "switch over. Mail programs (IMAP, POP3, SMTP) are not "
             "affected.\n\n"
             "Your address book, signature and settings move with you. You "
             "will have to log in again afterwards."},
            {0, STATUS_IN_PROGRESS, .author = PRIYA, .body =
             "Started. Webmail now shows a maintenance page."},
            {25, STATUS_VERIFYING, .author = PRIYA, .body =
             "Webmail is running on the new servers. We are checking "
             "logins, address books and attachments before we call it "
             "done."},
            {55, STATUS_COMPLETED, .author = PRIYA, .body =
             "Finished: webmail is back, on faster hardware. If a page "
             "looks odd, reload it once."},
        },
    },
    {
        .days_ago = 578, .hour = 9, .minute = 12, .kind = KIND_INCIDENT,
        .impact = IMPACT_MINOR,
        .title = "Webmail rejects some correct passwords",
        .services = {"webmail"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = RUTH, .body =
             "Some customers are told \"wrong password\" when logging in to "
             "webmail, although the password is right. Mail programs are "
             "working. We are looking into it."},
            {40, STATUS_RESOLVED, .author = JONAS, .body =
             "Fixed. A setting lost in last week's move to the new servers "
             "meant that passwords containing accented letters, such as "
             "\xc3\xa9 or \xc3\xbc, were compared the wrong way. Logins "
             "work for everyone again.\n\n"
             "Thanks to those of you who wrote in with the detail that "
             "gave it away."},
        },
    },
    {
        .days_ago = 520, .hour = 0, .minute = 1, .kind = KIND_MAINTENANCE,
        .impact = IMPACT_MAINTENANCE,
        .title = "Moving DSL lines to a new aggregation router in Millbrook",
        .services = {"dsl"}, .window_len = 30,
        .steps = {
            {-DAYS(3) + 630, STATUS_SCHEDULED, .author = EWAN, .body =
             "To spread the load in Millbrook we will move about 400 DSL "
             "lines from bng1.mb to the new bng2.mb.\n\n"
             "Affected lines drop and reconnect by themselves within a few "
             "minutes. If your router is not back online by 00:30 UTC, "
             "switch it off and on."},
            {0, STATUS_IN_PROGRESS, .author = EWAN, .body =
             "Moving lines now."},
            {22, STATUS_COMPLETED, .author = EWAN, .body =
             "Done. 412 lines were moved and the longest interruption was "
             "just under four minutes. Three lines did not reconnect by "
             "themselves; we have reset them from our side."},
        },
    },
    {
        .days_ago = 489, .hour = 3, .minute = 47, .kind = KIND_INCIDENT,
        .impact = IMPACT_CRITICAL,
        .title = "Power failure at the Harrow Cross data centre",
        .services = {"core", "dsl", "fibre", "wireless", "imap", "smtp",
                     "webmail", "web", "dns"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = TOMAS, .body =
             "All of our services are down. Our monitoring lost contact "
             "with the Harrow Cross data centre at 03:41 UTC and we are "
             "calling in staff now.\n\n"
             "This status page runs on a separate site and will be updated "
             "as we learn more."},
            {25, STATUS_IDENTIFIED, .author = TOMAS, .body =
             "The data centre lost mains power in the storm and the "
             "generator did not take over. The batteries carried the site "
             "for about 20 minutes and then ran out.\n\n"
             "An electrician and our engineers are on their way. Until "
             "power is back, nothing we run from Harrow Cross can work: "
             "internet access, mail, web hosting and DNS."},
            {80, STATUS_IDENTIFIED, .author = TOMAS, .body =
             "Update: the generator runs, but the switch that connects it "
             "to the building has failed. A rental generator is on its way "
             "from town and should be here around 06:00 UTC."},
            {150, STATUS_IDENTIFIED, .author = EWAN, .body =
             "Power is back, from the rental generator, and we are bringing "
             "systems up in order: core network first, then access, then "
             "DNS, then mail and hosting. Many DSL and fibre customers are "
             "online again already."},
            {210, STATUS_MONITORING, .author = EWAN, .body =
             "Everything is running again. Mail is catching up: messages "
             "sent to you while we were down were held by the sending "
             "servers and are arriving now. No mail was lost.\n\n"
             "Some hosted websites may be slow for a while as their caches "
             "warm up."},
            {330, STATUS_RESOLVED, .author = EWAN, .body =
             "Mains power is back and the site is off the rental generator. "
             "All services have been normal for two hours. We will publish "
             "a full account of what happened and what we are changing."},
        },
        .postmortem_at = DAYS(4) + 300,
        .postmortem =
            "Summary\n\n"
            "For about three hours every service we run was down, because "
            "our Harrow Cross data centre lost power. Mains power failed in "
            "the storm; the standby generator started, but the transfer "
            "switch that connects it to the building did not close, and "
            "the batteries ran flat 20 minutes later. No customer data and "
            "no mail were lost.\n\n"
            "Timeline (UTC)\n\n"
            "03:21  Mains power fails. Batteries take the load and the "
            "generator starts.\n"
            "03:21  The transfer switch fails to close. Its alarm goes "
            "nowhere: it was wired to a panel removed in last year's "
            "refit.\n"
            "03:41  Batteries exhausted; the whole site goes dark.\n"
            "03:47  The on-call engineer confirms the outage and posts "
            "here.\n"
            "04:30  The electrician finds the switch's control board burnt "
            "out.\n"
            "06:15  A rental generator is wired straight to the main "
            "distribution board. The core network comes up.\n"
            "07:05  Access, DNS, mail and hosting are all back.\n"
            "09:05  Mains power returns and the site leaves the rental "
            "generator.\n\n"
            "What we are changing\n\n"
            "- The transfer switch has been replaced, and its alarm now "
            "rings our on-call phones directly.\n"
            "- Every month we now test a full switchover to the generator "
            "under load, not only that the generator starts.\n"
            "- A hook-up point for a rental generator has been fitted "
            "outside the building, so the next one is connected in minutes, "
            "not hours.\n"
            "- We are adding batteries so the site can run for an hour "
            "without mains or generator.\n\n"
            "We know how much you rely on us, and we are sorry.",
    },
    {
        .days_ago = 455, .hour = 11, .minute = 30, .kind = KIND_NOTICE,
        .impact = IMPACT_NONE,
        .title = "Outgoing mail: please use port 587 or 465",
        .steps = {
            {0, STATUS_POSTED, .author = JONAS, .body =
             "From the 1st of next month our mail servers will stop taking "
             "mail from customers on port 25.\n\n"
             "Please check that your mail program sends through "
             "smtp.larkspur.example on port 587 with STARTTLS, or on port "
             "465 with SSL/TLS, using your usual user name and password. "
             "Most programs set up in the last few years already do.\n\n"
             "Our help pages have the settings for common mail programs, "
             "and support will gladly walk you through it."},
        },
    },
    {
        .days_ago = 421, .hour = 8, .minute = 30, .kind = KIND_INCIDENT,
        .impact = IMPACT_MINOR, .title = "Incoming mail delayed",
        .services = {"smtp", "imap"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = JONAS, .body =
             "Mail from outside is arriving up to 40 minutes late. Mail "
             "between Larkspur addresses and outgoing mail are not "
             "affected. We are investigating."},
            {30, STATUS_IDENTIFIED, .author = JONAS, .body =
             "A huge mailing sent from a customer account that had been "
             "broken into filled the queues on mx1 and mx2. We have locked "
             "the account and are clearing its messages out of the queues "
             "so your mail can get through."},
            {75, STATUS_MONITORING, .author = JONAS, .body =
             "The queues are back to their normal size and new mail "
             "arrives within seconds. The delayed messages are being "
             "delivered now, oldest first."},
            {120, STATUS_RESOLVED, .author = JONAS, .body =
             "All delayed mail has been delivered; no mail was lost. We "
             "have also tightened the sending limits that should have "
             "caught this sooner."},
        },
    },
    {
        .days_ago = 392, .hour = 22, .kind = KIND_MAINTENANCE,
        .impact = IMPACT_MAINTENANCE,
        .title = "DNS resolver reboots (res1, res2)",
        .services = {"dns"}, .window_len = 90,
        .steps = {
            {-DAYS(4) - 720, STATUS_SCHEDULED, .author = PRIYA, .body =
             "We will install security updates on our DNS resolvers and "
             "reboot them one at a time:\n\n"
             "  22:00 UTC  res1\n"
             "  22:45 UTC  res2\n\n"
             "While one restarts the other answers every lookup, so you "
             "should notice nothing. Lookups may be a little slower for a "
             "few minutes after each reboot while the cache fills up."},
            {0, STATUS_IN_PROGRESS, .author = PRIYA, .body =
             "res1 is rebooting."},
            {48, STATUS_IN_PROGRESS, .author = PRIYA, .body =
             "res1 is back and answering. Starting on res2."},
            {84, STATUS_COMPLETED, .author = PRIYA, .body =
             "Both resolvers are updated and answering normally."},
        },
    },
    {
        .days_ago = 360, .hour = 19, .minute = 5, .kind = KIND_INCIDENT,
        .impact = IMPACT_MAJOR,
        .title = "Some websites unreachable through one upstream provider",
        .services = {"core"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = MAYA, .body =
             "Since about 18:50 UTC some customers cannot reach certain "
             "websites and online games, while everything else works. We "
             "are checking our links to the rest of the internet."},
            {30, STATUS_IDENTIFIED, .author = MAYA, .body =
             "One of our two transit providers is sending us routes that "
             "lead nowhere for part of the internet. We are moving all "
             "traffic to the other provider."},
            {45, STATUS_MONITORING, .author = MAYA, .body =
             "All traffic now leaves through our second provider and the "
             "sites we tested are reachable again. Some paths are longer "
             "than usual, so a few things may feel slower until the first "
             "provider has fixed their side."},
            {240, STATUS_RESOLVED, .author = MAYA, .body =
             "The first provider has replaced a faulty router in their "
             "network and we use both links again. Everything has been "
             "normal since 22:30 UTC."},
        },
    },
    {
        .days_ago = 331, .hour = 2, .minute = 10, .kind = KIND_INCIDENT,
        .impact = IMPACT_MAJOR, .title = "Beacon Hill wireless tower offline",
        .services = {"wireless"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = TOMAS, .body =
             "Fixed-wireless customers served from the Beacon Hill tower "
             "have been offline since 01:55 UTC, in the middle of the "
             "gale. The Stonegate tower is working."},
            {120, STATUS_IDENTIFIED, .author = TOMAS, .body =
             "The wind has knocked the tower's backhaul dish out of line. "
             "It is not safe to climb until the wind drops; our riggers go "
             "up first thing in the morning."},
            {420, STATUS_IDENTIFIED, .author = MAYA, .body =
             "The riggers are on the tower now, working on the dish. "
             "Please bear with us."},
            {500, STATUS_MONITORING, .author = MAYA, .body =
             "The dish is realigned and the link is back at full strength. "
             "You should be online again; if not, unplug the power box of "
             "your roof unit for ten seconds."},
            {600, STATUS_RESOLVED, .author = MAYA, .body =
             "Every Beacon Hill customer is back online. This season we "
             "will fit stronger brackets to the dishes on both towers."},
        },
    },
    {
        .days_ago = 302, .hour = 13, .minute = 20, .kind = KIND_INCIDENT,
        .impact = IMPACT_MINOR, .title = "Errors on some hosted websites",
        .services = {"web"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = PRIYA, .body =
             "Some websites we host show \"500 Internal Server Error\". "
             "Plain HTML sites are fine; PHP sites on web3 are affected."},
            {25, STATUS_IDENTIFIED, .author = PRIYA, .body =
             "This morning's PHP update on web3 left out an extension that "
             "many site builders need. We are putting it back."},
            {40, STATUS_RESOLVED, .author = PRIYA, .body =
             "The extension is back and the affected sites load normally. "
             "Our update procedure now checks for it."},
        },
    },
    {
        .days_ago = 270, .hour = 0, .minute = 30, .kind = KIND_MAINTENANCE,
        .impact = IMPACT_MAINTENANCE,
        .title = "Firmware upgrade of the fibre exchange equipment",
        .services = {"fibre"}, .window_len = 150,
        .steps = {
            {-DAYS(5) + 570, STATUS_SCHEDULED, .author = EWAN, .body =
             "We will upgrade the firmware of the optical line terminals "
             "that serve every fibre customer. Each shelf restarts once "
             "and is down for about ten minutes:\n\n"
             "  00:30 UTC  Millbrook, shelf 1\n"
             "  01:00 UTC  Millbrook, shelf 2\n"
             "  01:30 UTC  Harrow Cross\n"
             "  02:15 UTC  Ashby Fold\n\n"
             "Your connection drops and comes back by itself. Fibre voice "
             "lines do not work during those ten minutes, so please keep a "
             "mobile phone at hand for emergencies."},
            {0, STATUS_IN_PROGRESS, .author = EWAN, .body =
             "Starting with Millbrook shelf 1."},
            {110, STATUS_VERIFYING, .author = EWAN, .body =
             "All four shelves run the new firmware. We are checking that "
             "every customer has reconnected."},
            {140, STATUS_COMPLETED, .author = EWAN, .body =
             "Done. All but six connections came back by themselves; we "
             "have reset those six from our side and will call them in the "
             "morning if they are still offline."},
        },
    },
    {
        .days_ago = 238, .hour = 16, .minute = 5, .kind = KIND_INCIDENT,
        .impact = IMPACT_MINOR, .title = "Login failures for mail and webmail",
        .services = {"imap", "smtp", "webmail"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = RUTH, .body =
             "Some customers cannot log in to their mailbox or to webmail, "
             "and sending mail asks for the password again. We are "
             "investigating."},
            {15, STATUS_RESOLVED, .author = JONAS, .body =
             "Fixed. One of our two login servers stopped answering and "
             "the other took a few minutes to take over its share. Logins "
             "failed from 15:58 to 16:09 UTC.\n\n"
             "If your mail program still asks for your password, cancel "
             "the prompt rather than typing it again: it will reconnect by "
             "itself."},
        },
    },
    {
        .days_ago = 205, .hour = 21, .minute = 40, .kind = KIND_INCIDENT,
        .impact = IMPACT_MINOR, .title = "Some domains fail to resolve",
        .services = {"dns"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = TOMAS, .body =
             "A number of websites, all under one country's domain, fail "
             "with \"server not found\". Other sites work."},
            {30, STATUS_IDENTIFIED, .author = TOMAS, .body =
             "That country's registry published broken DNSSEC signatures "
             "this evening. Our resolvers check signatures, as they should, "
             "and so refuse the answers. Other providers that check DNSSEC "
             "see the same."},
            {60, STATUS_MONITORING, .author = TOMAS, .body =
             "We have told our resolvers not to check signatures for that "
             "one domain until the registry has repaired it. The sites "
             "work again from our network."},
            {600, STATUS_RESOLVED, .author = MAYA, .body =
             "The registry has fixed its signatures and we have removed "
             "the exception: every domain is checked again."},
        },
    },
    {
        .days_ago = 176, .hour = 21, .kind = KIND_MAINTENANCE,
        .impact = IMPACT_MAINTENANCE, .title = "Mailbox storage migration",
        .services = {"imap", "webmail"}, .window_len = 240,
        .steps = {
            {-DAYS(7) - 420, STATUS_SCHEDULED, .author = PRIYA, .body =
             "We are moving every mailbox to new storage servers with more "
             "room and faster disks. Mailboxes move in three batches, by "
             "the first letter of the address:\n\n"
             "  21:00 UTC  a to h  (imap1)\n"
             "  22:15 UTC  i to q  (imap2)\n"
             "  23:30 UTC  r to z  (imap3)\n\n"
             "While your batch moves, which takes up to an hour, your "
             "mailbox is read-only: you can read mail but not delete or "
             "file it. Incoming mail waits on the relays and arrives when "
             "the move is done. No mail will be lost."},
            {0, STATUS_IN_PROGRESS, .author = PRIYA, .body =
             "The first batch, a to h, is moving."},
            {78, STATUS_IN_PROGRESS, .author = PRIYA, .body =
             "a to h is done. Starting i to q."},
            {152, STATUS_IN_PROGRESS, .author = PRIYA, .body =
             "i to q is done. Starting r to z."},
            {214, STATUS_VERIFYING, .author = PRIYA, .body =
             "Every mailbox is on the new storage. Held mail is being "
             "delivered now, and we are comparing message counts before we "
             "close this."},
            {236, STATUS_COMPLETED, .author = PRIYA, .body =
             "Completed. All mailboxes are on the new storage and all held "
             "mail has been delivered."},
        },
    },
    {
        .days_ago = 150, .hour = 9, .kind = KIND_NOTICE,
        .impact = IMPACT_NONE,
        .title = "Security update for ZX-200 routers",
        .steps = {
            {0, STATUS_POSTED, .author = EWAN, .body =
             "A security flaw has been published in the ZX-200, the white "
             "router we supplied until three years ago. It lets someone on "
             "the internet change the router's settings.\n\n"
             "We have sent a fixed firmware to every ZX-200 on our network "
             "overnight. Routers that were switched off will get it the "
             "next time they come online; you do not need to do "
             "anything.\n\n"
             "If you bought your own router, this does not concern you."},
        },
    },
    {
        .days_ago = 122, .hour = 11, .minute = 15, .kind = KIND_INCIDENT,
        .impact = IMPACT_MINOR, .title = "Slow mailbox access",
        .services = {"imap"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = JONAS, .body =
             "Opening folders and messages is slow for some customers, and "
             "some mail programs give up waiting. Webmail is slow too on "
             "large folders."},
            {60, STATUS_IDENTIFIED, .author = JONAS, .body =
             "imap2 is doing far more disk work than usual: a mailbox with "
             "over a million messages in one folder is being indexed over "
             "and over by a program that keeps searching all of it. We are "
             "moving that mailbox to a quiet server."},
            {100, STATUS_MONITORING, .author = JONAS, .body =
             "The mailbox has moved and imap2 is responsive again. We are "
             "keeping an eye on it."},
            {200, STATUS_RESOLVED, .author = JONAS, .body =
             "Mailbox access has been normal all afternoon. Closing this."},
        },
    },
    {
        .days_ago = 93, .hour = 6, .minute = 50, .kind = KIND_INCIDENT,
        .impact = IMPACT_MINOR,
        .title = "DSL lines dropping on the Harrow Cross exchange",
        .services = {"dsl"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = MAYA, .body =
             "Many DSL lines on the Harrow Cross exchange keep dropping "
             "and reconnecting. Fibre customers are not affected."},
            {40, STATUS_IDENTIFIED, true, IMPACT_MAJOR, MAYA,
             "The building owner worked on the exchange's power supply "
             "overnight, and one of our line card shelves came back with a "
             "faulty power module. Lines on that shelf reset every few "
             "minutes. A spare is on its way."},
            {95, STATUS_MONITORING, .author = MAYA, .body =
             "The module is replaced and the lines on that shelf have "
             "stayed up since 08:20 UTC. Your line may take a few minutes "
             "to reach full speed again while it retrains."},
            {180, STATUS_RESOLVED, .author = MAYA, .body =
             "All lines have been stable for over an hour. Resolved."},
        },
    },
    {
        .days_ago = 64, .hour = 23, .kind = KIND_MAINTENANCE,
        .impact = IMPACT_MAINTENANCE,
        .title = "Replacing the outgoing mail relays",
        .services = {"smtp"}, .window_len = 60,
        .steps = {
            {-DAYS(5) - 780, STATUS_SCHEDULED, .author = JONAS, .body =
             "We are replacing smtp1 and smtp2, the servers that send your "
             "outgoing mail. The settings you use (smtp.larkspur.example, "
             "port 587 or 465) do not change.\n\n"
             "  23:00 UTC  smtp1 leaves service; smtp2 carries all mail\n"
             "  23:30 UTC  the new smtp3 and smtp4 take over\n\n"
             "Sending may fail for up to a minute at each step; your mail "
             "program will try again by itself."},
            {0, STATUS_IN_PROGRESS, .author = JONAS, .body =
             "smtp1 is out of service and all mail goes through smtp2."},
            {35, STATUS_VERIFYING, .author = JONAS, .body =
             "smtp3 and smtp4 are live. We are watching the first few "
             "thousand messages go out."},
            {55, STATUS_COMPLETED, .author = JONAS, .body =
             "The new relays carry all outgoing mail. Thank you for your "
             "patience."},
        },
    },
    {
        .days_ago = 33, .hour = 10, .minute = 5, .kind = KIND_INCIDENT,
        .impact = IMPACT_MINOR, .title = "Hosting control panel unavailable",
        .services = {"web"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = PRIYA, .body =
             "The hosting control panel shows an error page. Your websites "
             "and mail are not affected, only the panel where you manage "
             "them."},
            {35, STATUS_RESOLVED, .author = PRIYA, .body =
             "The panel is back. Its database ran out of disk space after "
             "a log file grew out of hand; we have cleared it and set up "
             "log rotation so it cannot happen again."},
        },
    },
    {
        .days_ago = 12, .hour = 14, .minute = 32, .kind = KIND_INCIDENT,
        .impact = IMPACT_MAJOR,
        .title = "Short outage during an attack on our network",
        .services = {"core"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = TOMAS, .body =
             "Many customers have lost internet access, or see heavy "
             "packet loss, since 14:27 UTC. Our links to the internet are "
             "flooded with traffic."},
            {12, STATUS_IDENTIFIED, .author = TOMAS, .body =
             "This is a denial-of-service attack aimed at one customer's "
             "address. We have asked our transit providers to drop traffic "
             "to that address before it reaches us."},
            {25, STATUS_MONITORING, .author = TOMAS, .body =
             "The filters are in place upstream and our links are back to "
             "normal levels. Service is restored for everyone except the "
             "customer under attack, whom we are helping directly."},
            {120, STATUS_RESOLVED, .author = TOMAS, .body =
             "No attack traffic has reached us for 90 minutes. Most "
             "customers were affected for about 15 minutes. Resolved."},
        },
    },

    /* ---- current: what the front page shows ---------------------------
     * Notices stay current for SNAPSHOT_NOTICE_DAYS (7) days. */
    {
        .days_ago = 4, .hour = 9, .kind = KIND_NOTICE, .impact = IMPACT_NONE,
        .title = "Telephone support now open on Saturdays",
        .steps = {
            {0, STATUS_POSTED, .author = RUTH, .body =
             "From this week our support line also answers on Saturdays, "
             "from 09:00 to 13:00 local time.\n\n"
             "Outside those hours, outages are always posted on this page, "
             "which runs on a separate site from the rest of our network. "
             "You can also read it with finger or gopher if your browser "
             "is the thing that is broken."},
        },
    },
    {
        .days_ago = 1, .hour = 8, .minute = 15, .kind = KIND_NOTICE,
        .impact = IMPACT_NONE,
        .title = "Phishing mail pretending to be from Larkspur billing",
        .steps = {
            {0, STATUS_POSTED, .author = RUTH, .body =
             "Several customers have forwarded us a mail titled \"Your "
             "account will be suspended\" that claims to come from our "
             "billing team. It is not from us. Its link leads to a fake "
             "login page on a look-alike address.\n\n"
             "We never ask for your password by mail. If you typed your "
             "password into that page, change it right away in the "
             "customer portal, or call support and we will do it with "
             "you.\n\n"
             "Our spam filter now stops most copies. If one reaches you, "
             "just delete it."},
        },
    },
    {
        /* Three days ahead at 22:00 UTC, announced yesterday at 16:00. */
        .days_ago = -3, .hour = 22, .kind = KIND_MAINTENANCE,
        .impact = IMPACT_MAINTENANCE,
        .title = "Mailbox server reboots for security updates",
        .services = {"imap", "webmail"}, .window_len = 180,
        .slots = {{0, 120}, {135, 180}},
        .steps = {
            {-DAYS(4) - 360, STATUS_SCHEDULED, .author = PRIYA, .body =
             "We will install kernel security updates on the three mailbox "
             "servers and reboot them one at a time, so that at most a "
             "third of all mailboxes is unavailable at any moment:\n\n"
             "  22:00 UTC  imap1  (addresses a to h)\n"
             "  22:45 UTC  imap2  (addresses i to q)\n"
             "  23:30 UTC  imap3  (addresses r to z)\n\n"
             "The webmail servers follow at 00:15 UTC and are back by "
             "01:00.\n\n"
             "Each server should be back within 15 minutes. While yours "
             "restarts, your mail program may say it cannot connect, and "
             "webmail may show an error; both recover by themselves.\n\n"
             "Incoming mail waits on the relays and is delivered as soon "
             "as your server is back. No mail will be lost. Sending mail "
             "is not affected."},
        },
    },
    {
        .minutes_ago = 130, .kind = KIND_INCIDENT, .impact = IMPACT_MINOR,
        .title = "Packet loss on DSL and wireless around Millbrook",
        .services = {"dsl", "wireless"},
        .steps = {
            {0, STATUS_INVESTIGATING, .author = MAYA, .body =
             "We see packet loss of 5 to 15 percent on DSL lines served "
             "from the Millbrook exchange, and on the Stonegate wireless "
             "tower, which reaches us through Millbrook. Browsing feels "
             "slow and video calls may break up. Customers elsewhere are "
             "not affected.\n\n"
             "We are investigating and will post again within the hour."},
            {45, STATUS_IDENTIFIED, .author = MAYA, .body =
             "The loss follows one of the two fibre links between "
             "Millbrook and our core at Harrow Cross. Its light levels "
             "have been drifting since this morning, which points at a "
             "dirty or damaged connector rather than a faulty router.\n\n"
             "We have moved as much traffic as we can onto the other link, "
             "and a field engineer is on the way to the Millbrook "
             "exchange."},
            {105, STATUS_MONITORING, .author = TOMAS, .body =
             "The engineer replaced a cracked patch lead, and light levels "
             "are back to normal. Both links carry traffic again and we "
             "have measured no loss for the last 20 minutes.\n\n"
             "We will watch it through the evening peak before we close "
             "this. If you still have trouble, restart your router first; "
             "if that does not help, call support."},
        },
    },
};
/* clang-format on */

/* The services are as old as the oldest post and more, so that their
 * 90-day uptime (store/uptime.h) has every day to show. */
#define DEMO_SERVICE_DAYS 800

static int add_services(struct store *st, int64_t now)
{
    for (size_t i = 0; i < sizeof demo_services / sizeof demo_services[0];
         i++) {
        const struct demo_service *d = &demo_services[i];
        struct service_input in = {
            .slug = d->slug,
            .name = d->name,
            .group = d->group,
            .description = d->description,
            .position = (int)i + 1,
        };
        int rc = store_service_add_at(st, &in,
                                      now - (int64_t)DEMO_SERVICE_DAYS * 86400);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int add_post(struct store *st, const struct demo_post *p, int64_t now)
{
    int64_t midnight = now - (now % 86400 + 86400) % 86400;
    int64_t anchor;
    if (p->minutes_ago > 0)
        anchor = now - (int64_t)p->minutes_ago * 60;
    else
        anchor = midnight - (int64_t)p->days_ago * 86400 +
                 (int64_t)p->hour * 3600 + (int64_t)p->minute * 60;

    size_t n_services = 0;
    while (n_services < sizeof p->services / sizeof p->services[0] &&
           p->services[n_services] != NULL)
        n_services++;

    const struct demo_step *first = &p->steps[0];
    struct post_input in = {
        .kind = p->kind,
        .title = p->title,
        .status = first->status,
        .impact = p->impact,
        .services = p->services,
        .n_services = n_services,
        .body = first->body,
        .author = first->author,
        .via = "cli",
        .at = anchor + (int64_t)first->at * 60,
    };
    int64_t windows[10][2] = {{0}};
    bool any_slot = false;
    if (p->kind == KIND_MAINTENANCE) {
        in.scheduled_start = anchor;
        in.scheduled_end = anchor + (int64_t)p->window_len * 60;
        for (size_t i = 0; i < n_services; i++) {
            if (p->slots[i][0] == 0 && p->slots[i][1] == 0)
                continue;
            windows[i][0] = anchor + (int64_t)p->slots[i][0] * 60;
            windows[i][1] = anchor + (int64_t)p->slots[i][1] * 60;
            any_slot = true;
        }
        if (any_slot)
            in.windows = (const int64_t(*)[2])windows;
    }
    int64_t id;
    int rc = store_post_open(st, &in, &id);
    if (rc != 0)
        return rc;

    enum incident_status status = first->status;
    for (size_t i = 1;
         i < sizeof p->steps / sizeof p->steps[0] && p->steps[i].body != NULL;
         i++) {
        const struct demo_step *s = &p->steps[i];
        /* Progress notes keep the status; only a change is sent as one,
         * as an operator would do it. */
        struct update_input up = {
            .set_status = s->status != status,
            .status = s->status,
            .set_impact = s->set_impact,
            .impact = s->impact,
            .body = s->body,
            .author = s->author,
            .via = "cli",
            .at = anchor + (int64_t)s->at * 60,
        };
        rc = store_post_update(st, id, &up);
        if (rc != 0)
            return rc;
        status = s->status;
    }
    if (p->postmortem != NULL)
        rc = store_postmortem(st, id, p->postmortem, "cli",
                              anchor + (int64_t)p->postmortem_at * 60);
    return rc;
}

int store_demo(struct store *st, int64_t now)
{
    int rc = add_services(st, now);
    for (size_t i = 0; rc == 0 && i < sizeof demo_posts / sizeof demo_posts[0];
         i++)
        rc = add_post(st, &demo_posts[i], now);
    return rc;
}
