-- wrk script: cycles through the paths in SB_LOAD_PATHS (space-separated),
-- each thread starting at a different place in the list.
local paths = {}
for p in string.gmatch(os.getenv("SB_LOAD_PATHS") or "/", "%S+") do
  paths[#paths + 1] = p
end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
