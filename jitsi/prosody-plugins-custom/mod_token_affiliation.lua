-- Sets a MUC occupant's affiliation from the Jitsi token that authenticated them:
-- context.user.affiliation "owner" (or moderator "true") → owner (moderator),
-- anything else → member. Same contract as jitsi-contrib's token_affiliation,
-- written for this project so the deployment needs no download.
--
-- Enable on the MUC component (docker-jitsi-meet: XMPP_MUC_MODULES=token_affiliation)
-- together with token_verification, with Jicofo's auto-owner off (ENABLE_AUTO_OWNER=false,
-- JICOFO_ENABLE_AUTH=0): otherwise Jicofo promotes people regardless of the token.

local util = module:require "util";
local timer = require "util.timer";

local function affiliation_from(session)
    local user = session.jitsi_meet_context_user;
    if not user then return "member"; end
    if user.affiliation == "owner" or user.moderator == "true" or user.moderator == true then
        return "owner";
    end
    return "member";
end

module:hook("muc-occupant-joined", function (event)
    local room, occupant, session = event.room, event.occupant, event.origin;
    if util.is_healthcheck_room(room.jid) or util.is_admin(occupant.bare_jid) then return; end
    -- No token, no say: leave such occupants (there are none with JWT_ALLOW_EMPTY=0) alone.
    if not session or not session.auth_token then return; end

    local affiliation = affiliation_from(session);
    room:set_affiliation(true, occupant.bare_jid, affiliation);
    -- Jicofo may set affiliations right after the join; re-assert a few times.
    local attempts = 0;
    local function reassert()
        attempts = attempts + 1;
        if attempts > 5 or not room:get_occupant_by_real_jid(occupant.jid) then return; end
        if room:get_affiliation(occupant.bare_jid) ~= affiliation then
            room:set_affiliation(true, occupant.bare_jid, affiliation);
        end
        return 0.5;
    end
    timer.add_task(0.5, reassert);
    module:log("info", "%s joins %s as %s", occupant.bare_jid, room.jid, affiliation);
end, -1);
