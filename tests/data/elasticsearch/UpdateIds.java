// Prints MOSIP's profile.updateId for the new and old side of each profile
// file given: the profile text read by org.json, copied into plain
// java.util maps as MOSIP's StringToJson transform does, then one side
// written back by org.json and base64-encoded by commons-codec, as MOSIP's
// AnonymousProfileTransform does. Run by update_ids.sh; the output is the
// reference for tests/unit/sinks/elasticsearch/mosip_update_id_test.cc.
//
// Output lines: "<file name> new=<id or -> old=<id or ->".

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.codec.binary.Base64;
import org.json.JSONArray;
import org.json.JSONObject;

public class UpdateIds {
  // org.json values to plain maps and lists, JSONObject.NULL to null.
  static Object toPlain(Object value) {
    if (value instanceof JSONObject) {
      JSONObject object = (JSONObject) value;
      Map<String, Object> map = new HashMap<>();
      for (String key : object.keySet()) map.put(key, toPlain(object.get(key)));
      return map;
    }
    if (value instanceof JSONArray) {
      JSONArray array = (JSONArray) value;
      List<Object> list = new ArrayList<>();
      for (int i = 0; i < array.length(); i++) list.add(toPlain(array.get(i)));
      return list;
    }
    return JSONObject.NULL.equals(value) ? null : value;
  }

  @SuppressWarnings("unchecked")
  static String updateId(Object side) {
    if (!(side instanceof Map)) return "-";
    String text = new JSONObject((Map<String, Object>) side).toString();
    byte[] encoded = new Base64().encode(text.getBytes(StandardCharsets.UTF_8));
    return new String(encoded, StandardCharsets.US_ASCII);
  }

  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws Exception {
    for (String file : args) {
      String text = Files.readString(Path.of(file));
      Map<String, Object> profile = (Map<String, Object>) toPlain(new JSONObject(text));
      boolean idrepo = profile.containsKey("newProfile") || profile.containsKey("oldProfile");
      System.out.println(Path.of(file).getFileName() + " new="
          + updateId(profile.get(idrepo ? "newProfile" : "new")) + " old="
          + updateId(profile.get(idrepo ? "oldProfile" : "old")));
    }
  }
}
